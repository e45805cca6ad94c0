import type { Alert } from '../alert.js';
import { sessionConsoleUrl, transcriptConsoleUrl, transcriptS3Uri } from '../links.js';
import { truncate } from './common.js';

export interface SnsMessage {
  subject: string;
  message: string;
  messageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

/** SNS subjects must be ASCII, without line breaks or control characters, and shorter than 100 characters. */
const asciiLine = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

export function snsSubject(alert: Alert): string {
  const who = alert.actor?.email ?? alert.actor?.name ?? alert.user ?? 'unknown';
  const where = alert.instanceId ?? alert.host ?? 'unknown instance';
  const what = alert.summary ? 'session summary' : alert.ruleId;
  const burst = alert.count && alert.count > 1 ? ` (+${alert.count - 1})` : '';
  const full = `[${alert.severity.toUpperCase()}] ${what}${burst}: ${who} on ${where}`;
  if (full.length < 100) return asciiLine(full);
  const short = `[${alert.severity.toUpperCase()}] ${truncate(what, 36)}${burst}: ${truncate(who, 30)} on ${truncate(where, 20)}`;
  return asciiLine(truncate(short, 99));
}

function line(label: string, value: string | null | undefined): string[] {
  return value ? [`${label.padEnd(12)}${value}`] : [];
}

function actorLines(alert: Alert): string[] {
  const a = alert.actor;
  if (!a) return line('Who:', 'unknown (no StartSession record found)');
  const facts = [
    a.sourceIp ? `from ${a.sourceIp}` : null,
    a.mfa === null ? null : `MFA ${a.mfa ? 'yes' : 'no'}`,
    a.userAgent ? `agent ${truncate(a.userAgent, 120)}` : null,
    `identity from ${a.from}`,
  ].filter(Boolean);
  return [
    ...line('Who:', `${a.email ?? a.name ?? 'unknown'} (${a.type})`),
    ...line('', a.principalArn),
    ...line('', facts.join(', ')),
    ...line('Reason:', a.reason),
  ];
}

function summaryLines(alert: Alert): string[] {
  const s = alert.summary!;
  const rules = Object.entries(s.rules)
    .map(([rule, n]) => `${rule} ×${n}`)
    .join(', ');
  return [
    ...line('Duration:', s.durationSeconds === null ? 'unknown' : `${s.durationSeconds} s (${s.start} – ${s.end})`),
    ...line('Commands:', `${s.commands} (${s.cancelledCommands} cancelled)`),
    ...line('Alerts:', s.alerts ? `${s.alerts}: ${rules}` : 'none'),
  ];
}

/** The human-readable SNS body: what was typed, by whom, where, and links to the session and its transcript. */
export function snsBody(alert: Alert): string {
  const where = [
    alert.instanceId && `instance ${alert.instanceId}`,
    alert.account && `account ${alert.account}`,
    alert.region && `region ${alert.region}`,
  ]
    .filter(Boolean)
    .join(', ');
  const context = [
    alert.seq !== null && `seq ${alert.seq}`,
    alert.time,
    alert.user && `as ${alert.user}${alert.root ? ' (root)' : ''}`,
    alert.host && `on ${alert.host}`,
    alert.cwd && `in ${alert.cwd}`,
  ]
    .filter(Boolean)
    .join(', ');
  const transcript = transcriptConsoleUrl(alert);
  const lines = [
    `${alert.severity.toUpperCase()}: ${alert.title} (${alert.ruleId})`,
    ...line('Category:', alert.summary ? null : alert.category),
    ...line('ATT&CK:', alert.attack.join(', ')),
    ...(alert.description ? ['', alert.description] : []),
    '',
    ...(alert.summary
      ? summaryLines(alert)
      : [
          `Command${context ? ` (${context})` : ''}:`,
          ...truncate(alert.command, 4000)
            .split('\n')
            .map((l) => `    ${l}`),
        ]),
    '',
    ...actorLines(alert),
    ...line('Where:', where),
    ...line('Session:', alert.sessionId),
    ...(alert.evidence.length
      ? [
          'Evidence:',
          ...alert.evidence.map((e) => `  - ${e.kind}: ${truncate(e.value, 300)}${e.detail ? ` (${e.detail})` : ''}`),
        ]
      : []),
    ...(alert.count && alert.count > 1
      ? [
          `Burst:      ${alert.count} alerts in this session collapsed into this message: ${(alert.groupedIds ?? []).join(', ')}`,
        ]
      : []),
    ...(alert.redactions
      ? [
          `Redacted:   ${alert.redactions} secret(s) masked (${Object.entries(alert.redactionKinds ?? {})
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`,
        ]
      : []),
    '',
    ...line('Console:', sessionConsoleUrl(alert)),
    ...line('Transcript:', transcript ? `${transcript} (${transcriptS3Uri(alert)})` : null),
    ...line('Alert id:', alert.id),
  ];
  return lines.join('\n');
}

/** Message attributes for subscription filter policies: severity, category, account (and rule and alert id). */
export function snsAttributes(alert: Alert): SnsMessage['messageAttributes'] {
  const attrs: SnsMessage['messageAttributes'] = {};
  const put = (name: string, value: string | null | undefined) => {
    if (value) attrs[name] = { DataType: 'String', StringValue: value };
  };
  put('severity', alert.severity);
  put('category', alert.summary ? 'session-summary' : alert.category);
  put('account', alert.account);
  put('rule_id', alert.ruleId);
  put('alert_id', alert.id);
  return attrs;
}

export function toSnsMessage(alert: Alert): SnsMessage {
  return { subject: snsSubject(alert), message: snsBody(alert), messageAttributes: snsAttributes(alert) };
}
