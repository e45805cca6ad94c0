import type { Severity } from '../../../detectors/model.js';
import type { Alert } from '../alert.js';

export const PRODUCT = { name: 'sessionwatch', vendor: 'sessionwatch', version: '0.1.0' } as const;

/** Epoch milliseconds of the alert: the command's time, else the time the caller passes (when the alert was made). */
export function alertTimeMs(alert: Pick<Alert, 'time'>, now: () => number = Date.now): number {
  const t = alert.time ? Date.parse(alert.time) : Number.NaN;
  return Number.isFinite(t) ? t : now();
}

/** ATT&CK ids split into technique and sub-technique: `T1548.003` → { technique: 'T1548', sub: 'T1548.003' }. */
export function splitAttack(id: string): { technique: string; sub: string | null } {
  const dot = id.indexOf('.');
  return dot < 0 ? { technique: id, sub: null } : { technique: id.slice(0, dot), sub: id };
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  info: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/** Text cut to at most `max` UTF-16 units, marked with an ellipsis when cut. */
export function truncate(text: string, max: number, marker = '...'): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - marker.length)) + marker;
}
