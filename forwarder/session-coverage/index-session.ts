import type { Actor, Alert } from '../alerts/alert.js';
import { type IndexResult, indexSessionEvent } from '../identity/index-event.js';
import type { IdentityStore } from '../identity/store.js';
import { type CoverageConfig, DEFAULT_COVERAGE_CONFIG } from './config.js';
import type { SessionIndex } from './stores.js';
import { unrecordedSessionAlert } from './unrecorded.js';

export interface IndexForCoverageDeps {
  identities: IdentityStore;
  sessions: SessionIndex;
  config?: CoverageConfig;
  actorFrom?: Actor['from'];
}

/**
 * The identity indexer's step for coverage, on one CloudTrail Session Manager event: index it (identity table), put
 * a new StartSession in the index of sessions to check, and return the alert of an unrecorded (SSH / port forwarding)
 * session. A duplicate delivery of a StartSession returns the same alert (same id), which the delivery ledger drops.
 */
export async function indexForCoverage(
  event: unknown,
  deps: IndexForCoverageDeps,
): Promise<{ result: IndexResult; alert: Alert | null }> {
  const result = await indexSessionEvent(event, deps.identities);
  if (result.status !== 'indexed' && result.status !== 'duplicate') return { result, alert: null };
  const identity = await deps.identities.get(result.sessionId!);
  if (identity?.start) await deps.sessions.add(identity.sessionId, identity.start);
  return { result, alert: unrecordedSessionAlert(event, deps.config ?? DEFAULT_COVERAGE_CONFIG, deps.actorFrom) };
}
