import type { Alert } from '../alerts/alert.js';
import { printable, renderTable } from './table.js';

export function alertTable(alerts: readonly Alert[], width = 160): string {
  return renderTable(
    ['SEVERITY', 'RULE', 'CATEGORY', 'SESSION', 'WHO', 'INSTANCE', 'COMMAND'],
    alerts.map((a) => [
      a.severity.toUpperCase(),
      a.ruleId,
      a.category,
      a.sessionId,
      a.actor?.email ?? a.actor?.name ?? a.user ?? '?',
      a.instanceId ?? '',
      printable(a.command),
    ]),
    width,
  );
}
