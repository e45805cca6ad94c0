import type { DeliveryLedger } from './ledger.js';
import type { Spool } from './spool.js';
import type { Sink } from './types.js';

export interface RedriveReport {
  entries: number;
  delivered: number;
  alreadyDelivered: number;
  remaining: number;
  /** Spooled for a sink that was not given to this redrive. */
  skipped: number;
}

/**
 * Re-delivers spooled alerts to the sinks they were meant for. Ids the ledger already has are dropped (so a redrive
 * after a partial redrive, or after the alert arrived another way, delivers nothing twice).
 */
export async function redrive(spool: Spool, sinks: readonly Sink[], ledger: DeliveryLedger): Promise<RedriveReport> {
  const bySink = new Map(sinks.map((s) => [s.uri, s]));
  const report: RedriveReport = { entries: 0, delivered: 0, alreadyDelivered: 0, remaining: 0, skipped: 0 };
  for (const entry of await spool.list()) {
    const sink = bySink.get(entry.sink);
    if (!sink) {
      report.skipped += entry.alerts.length;
      continue;
    }
    report.entries++;
    const done = await ledger.delivered(
      sink.uri,
      entry.alerts.map((a) => a.id),
    );
    const pending = entry.alerts.filter((a) => !done.has(a.id));
    report.alreadyDelivered += entry.alerts.length - pending.length;
    const result = pending.length ? await sink.send(pending) : { delivered: [], failed: [] };
    await ledger.record(sink.uri, result.delivered);
    const delivered = new Set(result.delivered);
    const remaining = pending.filter((a) => !delivered.has(a.id));
    report.delivered += delivered.size;
    report.remaining += remaining.length;
    await spool.settle(entry, remaining, [...new Set(result.failed.map((f) => f.error))].join('; ') || undefined);
  }
  return report;
}
