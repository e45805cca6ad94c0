import { type Category, severityRank } from '../../../detectors/model.js';
import type { CommandRecord, SessionInfo } from '../../commands/record.js';
import type { Actor, Alert, SessionSummary } from '../alert.js';
import { alertId } from '../id.js';

export const SUMMARY_RULE_ID = 'sessionwatch.session-summary';

function seconds(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  const d = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(d) && d >= 0 ? Math.round(d) : null;
}

/**
 * The info-level summary of one session: who, where, how long, how many commands, which alerts. Emitted once per
 * session, when its complete transcript is processed; the id depends on the session only.
 */
export function summarizeSession(
  session: SessionInfo,
  records: readonly CommandRecord[],
  alerts: readonly Alert[],
  actor: Actor | null,
): Alert {
  const times = records
    .map((r) => r.time)
    .filter((t): t is string => Boolean(t))
    .sort();
  const start = session.start ?? actor?.sessionStart ?? times[0] ?? null;
  const end = session.end ?? actor?.sessionEnd ?? times.at(-1) ?? null;
  const rules: Record<string, number> = {};
  for (const a of alerts) rules[a.ruleId] = (rules[a.ruleId] ?? 0) + (a.count ?? 1);
  const worst = alerts.reduce<Alert | null>(
    (w, a) => (!w || severityRank(a.severity) > severityRank(w.severity) ? a : w),
    null,
  );
  const summary: SessionSummary = {
    start,
    end,
    durationSeconds: seconds(start, end),
    commands: records.filter((r) => !r.cancelled).length,
    cancelledCommands: records.filter((r) => r.cancelled).length,
    alerts: Object.values(rules).reduce((n, c) => n + c, 0),
    rules,
    highestSeverity: worst?.severity ?? null,
  };
  const who = actor?.email ?? actor?.name ?? session.runAsUser ?? 'unknown';
  // The Category list has no "session" value; the summary carries the category of its worst alert.
  const category: Category = worst?.category ?? 'discovery';
  const last = records.at(-1);
  return {
    id: alertId(session.sessionId, SUMMARY_RULE_ID, ''),
    ruleId: SUMMARY_RULE_ID,
    title: `Session summary: ${who}, ${summary.commands} commands, ${summary.alerts} alerts`,
    severity: 'info',
    category,
    attack: [...new Set(alerts.flatMap((a) => a.attack))],
    sessionId: session.sessionId,
    command: '',
    seq: null,
    time: end,
    instanceId: session.instanceId ?? last?.instanceId ?? null,
    account: session.account ?? actor?.account ?? null,
    region: session.region,
    user: session.runAsUser ?? last?.user ?? null,
    host: last?.host ?? null,
    cwd: null,
    root: records.some((r) => r.root),
    actor,
    evidence: [],
    source: session.source,
    summary,
  };
}
