import type { Actor, Alert } from '../alerts/alert.js';
import type { IdentityStore } from '../identity/store.js';
import { coverageAlert } from './alerts.js';
import { type CoverageConfig, DEFAULT_COVERAGE_CONFIG } from './config.js';
import { evaluateSession } from './evaluate.js';
import type { RaisedStore, SessionIndex, TranscriptIndex } from './stores.js';

export interface CoverageCheckDeps {
  /** Epoch milliseconds: injected, so tests (and a replay over exported records) control time. */
  clock: () => number;
  sessions: SessionIndex;
  identities: Pick<IdentityStore, 'get'>;
  transcripts: Pick<TranscriptIndex, 'get'>;
  raised: RaisedStore;
  /** Hands the new alerts over (openDelivery().deliver: suppressions, sinks, spool). Throwing undoes their claims. */
  deliver: (alerts: Alert[]) => Promise<unknown>;
  config?: CoverageConfig;
  /** Where the identities come from, for the alerts' actor (default `table`). */
  actorFrom?: Actor['from'];
  /** A session that could not be checked (store error): counted, and the rest goes on. */
  onError?: (sessionId: string, error: unknown) => void;
}

export interface CoverageCheckReport {
  now: string;
  checked: number;
  /** Alerts raised by this run (never raised before). */
  raised: Alert[];
  /** Gaps found again that an earlier run already raised. */
  alreadyRaised: number;
  settled: number;
  /** Sessions in the index with no StartSession record yet (the identity write may lag): checked next time. */
  unknown: number;
  errors: number;
}

/**
 * One run of the coverage check (the scheduled Lambda, or the CLI over exported records): every session started in
 * the lookback window is judged at `clock()`, each gap is raised exactly once (a conditional claim in `raised`), and
 * sessions that can no longer produce a gap leave the index.
 */
export async function runCoverageCheck(deps: CoverageCheckDeps): Promise<CoverageCheckReport> {
  const config = deps.config ?? DEFAULT_COVERAGE_CONFIG;
  const nowMs = deps.clock();
  const now = new Date(nowMs).toISOString();
  const since = config.lookbackMs === null ? null : new Date(nowMs - config.lookbackMs).toISOString();
  const report: CoverageCheckReport = {
    now,
    checked: 0,
    raised: [],
    alreadyRaised: 0,
    settled: 0,
    unknown: 0,
    errors: 0,
  };

  const toSettle: [string, string][] = [];
  for (const sessionId of await deps.sessions.list(since, now)) {
    try {
      const identity = await deps.identities.get(sessionId);
      if (!identity?.start) {
        report.unknown++;
        continue;
      }
      report.checked++;
      const { findings, settled } = evaluateSession(identity, await deps.transcripts.get(sessionId), config, nowMs);
      for (const finding of findings) {
        const alert = coverageAlert(finding, identity, config, deps.actorFrom ?? 'table');
        const fresh = await deps.raised.claim(alert.id, { ruleId: alert.ruleId, sessionId, time: finding.due });
        if (fresh) report.raised.push(alert);
        else report.alreadyRaised++;
      }
      if (settled) toSettle.push([sessionId, identity.start]);
    } catch (error) {
      report.errors++;
      deps.onError?.(sessionId, error);
    }
  }

  if (report.raised.length > 0) {
    try {
      await deps.deliver(report.raised);
    } catch (error) {
      await Promise.allSettled(report.raised.map((a) => deps.raised.release(a.id)));
      throw error;
    }
  }
  // Only once the alerts are handed over: a session settled before a failed delivery would never be raised again.
  for (const [sessionId, start] of toSettle) {
    try {
      await deps.sessions.settle(sessionId, start);
      report.settled++;
    } catch (error) {
      report.errors++;
      deps.onError?.(sessionId, error);
    }
  }
  return report;
}
