import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../alerts/alert.js';
import { applySuppressions, type Suppression } from '../alerts/noise/suppress.js';
import { deliverAlerts, type SinkReport } from './deliver.js';
import { createSinks, type SinkDeps } from './factory.js';
import { openSpool, type SpoolDeps } from './spool-factory.js';

export interface OpenDeliveryOptions {
  env?: NodeJS.ProcessEnv;
  /** A directory or `sqs:QUEUE_URL`; default SESSIONWATCH_SPOOL, else ~/.local/state/sessionwatch/spool. */
  spool?: string;
  suppressions?: readonly Suppression[];
  sinks?: SinkDeps;
  spoolDeps?: SpoolDeps;
}

export interface DeliveryRun {
  reports: SinkReport[];
  suppressed: { alertId: string; suppressionId: string }[];
}

export function defaultSpoolLocation(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SESSIONWATCH_SPOOL) return env.SESSIONWATCH_SPOOL;
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'sessionwatch', 'spool');
}

/**
 * Everything between built alerts and the SIEM, for the CLI and the Lambda handlers: suppressions, then every sink
 * (burst grouping, ledger, retries, spool). Throws SinkUriError for bad URIs before anything is sent.
 */
export function openDelivery(uris: readonly string[], options: OpenDeliveryOptions = {}) {
  const env = options.env ?? process.env;
  const sinks = createSinks(uris, { env, ...options.sinks });
  const stateTable = env.SESSIONWATCH_STATE_TABLE;
  const { spool, ledger } = openSpool(options.spool ?? defaultSpoolLocation(env), {
    ...options.spoolDeps,
    ...(stateTable ? { stateTable } : {}),
  });
  return {
    sinks,
    spool,
    ledger,
    async deliver(alerts: readonly Alert[]): Promise<DeliveryRun> {
      const { kept, suppressed } = applySuppressions(alerts, options.suppressions ?? []);
      const reports = kept.length ? await deliverAlerts(kept, { sinks, spool, ledger }) : [];
      return { reports, suppressed: suppressed.map((s) => ({ alertId: s.alert.id, suppressionId: s.suppressionId })) };
    },
    close: () => Promise.all(sinks.map((s) => s.close())).then(() => undefined),
  };
}
