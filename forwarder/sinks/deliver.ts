import type { Alert } from '../alerts/alert.js';
import { groupBursts } from '../alerts/noise/burst.js';
import { dedupeAlerts } from '../alerts/noise/dedup.js';
import { redactAlert } from '../redact/redact.js';
import type { DeliveryLedger } from './ledger.js';
import type { Spool } from './spool.js';
import type { DeliveryResult, Sink } from './types.js';

export interface SinkReport {
  sink: string;
  /** Alerts (or burst notifications) the sink accepted in this run. */
  delivered: number;
  /** Skipped: the ledger says the sink already has them. */
  alreadyDelivered: number;
  /** Could not be delivered: now in the spool for `redrive`. */
  spooled: number;
  errors: string[];
}

export interface DeliveryDeps {
  sinks: readonly Sink[];
  spool: Spool;
  ledger: DeliveryLedger;
}

/** What a sink receives: its burst grouping applied, redacted again (idempotent, a last guard), one per id. */
export function prepareFor(sink: Sink, alerts: readonly Alert[]): Alert[] {
  const grouped = sink.burst ? groupBursts(alerts, sink.burst) : alerts;
  return dedupeAlerts(grouped.map(redactAlert));
}

/** Sends what the ledger does not know yet, records what arrived, spools what did not. Never loses an alert. */
export async function deliverTo(
  sink: Sink,
  alerts: readonly Alert[],
  deps: Omit<DeliveryDeps, 'sinks'>,
): Promise<SinkReport> {
  const report: SinkReport = { sink: sink.uri, delivered: 0, alreadyDelivered: 0, spooled: 0, errors: [] };
  const done = await deps.ledger.delivered(
    sink.uri,
    alerts.map((a) => a.id),
  );
  const pending = alerts.filter((a) => !done.has(a.id));
  report.alreadyDelivered = alerts.length - pending.length;
  if (!pending.length) return report;
  let result: DeliveryResult;
  try {
    result = await sink.send(pending);
  } catch (error) {
    result = {
      delivered: [],
      failed: pending.map((a) => ({ id: a.id, error: (error as Error).message, retryable: true })),
    };
  }
  report.delivered = result.delivered.length;
  try {
    await deps.ledger.record(sink.uri, result.delivered);
  } catch (error) {
    // Delivered but not recorded: at worst delivered again later, with the same id.
    report.errors.push(`ledger: ${(error as Error).message}`);
  }
  const failedIds = new Set(result.failed.map((f) => f.id));
  const delivered = new Set(result.delivered);
  // An alert the sink neither confirmed nor reported failed counts as failed.
  const failed = pending.filter((a) => failedIds.has(a.id) || !delivered.has(a.id));
  if (failed.length) {
    const errors = [...new Set(result.failed.map((f) => f.error))];
    report.errors.push(...errors);
    await deps.spool.put(sink.uri, failed, errors.join('; ') || 'not confirmed by the sink');
    report.spooled = failed.length;
  }
  return report;
}

/**
 * Delivers alerts to every sink in parallel. A sink's failure never affects another. Throws only when the spool
 * itself cannot take undelivered alerts (so a Lambda invocation fails and is retried rather than dropping them).
 */
export async function deliverAlerts(alerts: readonly Alert[], deps: DeliveryDeps): Promise<SinkReport[]> {
  const settled = await Promise.allSettled(deps.sinks.map((sink) => deliverTo(sink, prepareFor(sink, alerts), deps)));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw new Error(`spool failed, alerts not delivered: ${(failure.reason as Error).message}`);
  return settled.map((s) => (s as PromiseFulfilledResult<SinkReport>).value);
}
