import { isIP } from 'node:net';
import type { Severity } from '../../../detectors/model.js';
import type { Alert } from '../alert.js';
import { alertTimeMs, PRODUCT, truncate } from './common.js';

/** CEF severity 0–10. */
const CEF_SEVERITY: Record<Severity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };
/** ArcSight's limit for cs1–cs6 and msg. */
const MAX_VALUE = 4000;

/** Header fields: backslash and pipe are escaped; a newline has no escape there, so it becomes a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** Extension values: backslash and equals are escaped, CR and LF become the two-character escapes \r and \n. */
export function escapeCefValue(value: string): string {
  return value.replace(/[\\=\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

/** Alert → one CEF:0 line. */
export function toCef(alert: Alert, now: () => number = Date.now): string {
  const actor = alert.actor;
  const ext: [string, string | number | null | undefined][] = [
    ['rt', alertTimeMs(alert, now)],
    ['externalId', alert.id],
    ['cat', alert.category],
    ['msg', alert.description ?? alert.title],
    ['suser', actor?.name ?? actor?.principalArn],
    ['suid', actor?.principalArn],
    ['src', actor?.sourceIp && isIP(actor.sourceIp) ? actor.sourceIp : null],
    ['requestClientApplication', actor?.userAgent],
    ['duser', alert.user],
    ['dhost', alert.host ?? alert.instanceId],
    ['cs1Label', 'sessionId'],
    ['cs1', alert.sessionId],
    ['cs2Label', 'command'],
    ['cs2', alert.command],
    ['cs3Label', 'instanceId'],
    ['cs3', alert.instanceId],
    ['cs4Label', 'account'],
    ['cs4', alert.account],
    ['cs5Label', 'attack'],
    ['cs5', alert.attack.join(',')],
    ['cs6Label', 'evidence'],
    ['cs6', alert.evidence.map((e) => `${e.kind}:${e.value}`).join(' ')],
    ['cn1Label', 'redactions'],
    ['cn1', alert.redactions ?? 0],
    ['cnt', alert.count ?? 1],
  ];
  const extension = ext
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeCefValue(truncate(String(v), MAX_VALUE))}`)
    .join(' ');
  const header = [
    'CEF:0',
    PRODUCT.vendor,
    PRODUCT.name,
    PRODUCT.version,
    alert.ruleId,
    alert.title,
    String(CEF_SEVERITY[alert.severity]),
  ]
    .map((v, i) => (i === 0 ? v : escapeCefHeader(v)))
    .join('|');
  return `${header}|${extension}`;
}
