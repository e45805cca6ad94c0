import type { Alert } from '../alert.js';

/**
 * The same rule on the same command in the same session is one alert: ids are deterministic, so one id is one alert.
 * Keeps the first of each id. Across runs and paths (stream, then S3) the per-sink delivery ledger does the same.
 */
export function dedupeAlerts(alerts: readonly Alert[]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const alert of alerts) if (!byId.has(alert.id)) byId.set(alert.id, alert);
  return [...byId.values()];
}
