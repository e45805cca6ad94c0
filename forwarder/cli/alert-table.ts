import { SEVERITIES } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { type Palette, palette } from './colour.js';
import { printable, renderTable } from './table.js';

/**
 * Alerts for a person: the severity first (coloured when allowed), the command last and as wide as the terminal.
 * `who` names the person when more is known than the alert's actor (a report merges a session's formats).
 */
export function alertTable(
  alerts: readonly Alert[],
  width = 160,
  colours: Palette = palette(false),
  who: (alert: Alert) => string | null = () => null,
): string {
  return renderTable(
    [
      'SEVERITY',
      { header: 'RULE', max: 32, drop: 2 },
      { header: 'CATEGORY', drop: 3 },
      { header: 'SESSION', max: 30, cut: 'middle' },
      { header: 'WHO', max: 24, drop: 1 },
      { header: 'INSTANCE', drop: 4 },
      'COMMAND',
    ],
    alerts.map((a) => [
      a.severity.toUpperCase(),
      a.ruleId,
      a.category,
      a.sessionId,
      who(a) ?? a.actor?.email ?? a.actor?.name ?? a.user ?? '?',
      a.instanceId ?? '',
      printable(a.command),
    ]),
    width,
    (row, column, text) =>
      row < 0 ? colours.bold(text) : column === 0 ? colours.severity(alerts[row]!.severity, text) : text,
  );
}

/** "17 alerts (15 high, 2 medium)", most severe first. */
/** `1 session`, `2 sessions`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function alertSummary(alerts: readonly Alert[], colours: Palette = palette(false)): string {
  const counts = SEVERITIES.map((s) => [s, alerts.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .reverse()
    .map(([s, n]) => `${n} ${colours.severity(s, s)}`);
  return `${plural(alerts.length, 'alert')}${counts.length ? ` (${counts.join(', ')})` : ''}`;
}
