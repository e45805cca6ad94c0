import type { Severity } from '../../../detectors/model.js';
import type { Alert } from '../alert.js';
import { toCef } from './cef.js';
import { alertTimeMs, PRODUCT } from './common.js';

/** RFC 5424 severities: critical→2 crit, high→3 err, medium→4 warning, low→5 notice, info→6 informational. */
const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
/** Facility 4: security/authorization messages. */
export const DEFAULT_FACILITY = 4;
/** Private enterprise number 32473 is the one RFC 5612 reserves for documentation and examples. */
const SD_ID = 'sessionwatch@32473';

export interface SyslogOptions {
  hostname?: string;
  facility?: number;
  /** Upper bound of the whole message in bytes (RFC 5425 receivers must take 2048 and should take 8192). */
  maxBytes?: number;
  now?: () => number;
}

/** Header fields are 1–N printable US-ASCII characters without spaces, or the NILVALUE `-`. */
function headerField(value: string | null | undefined, max: number): string {
  const clean = (value ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean || '-';
}

/** SD-PARAM values escape `"`, `\` and `]`. */
const sdValue = (v: string) => v.replace(/["\\\]]/g, (c) => `\\${c}`);

/** Alert → RFC 5424 message whose MSG is the CEF line; the alert id travels in structured data too. */
export function toSyslog5424(alert: Alert, options: SyslogOptions = {}): string {
  const pri = (options.facility ?? DEFAULT_FACILITY) * 8 + SYSLOG_SEVERITY[alert.severity];
  const time = new Date(alertTimeMs(alert, options.now)).toISOString();
  const params: [string, string | null][] = [
    ['id', alert.id],
    ['rule', alert.ruleId],
    ['severity', alert.severity],
    ['session', alert.sessionId],
    ['account', alert.account],
  ];
  const sd = `[${SD_ID} ${params
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}="${sdValue(v!)}"`)
    .join(' ')}]`;
  const head = `<${pri}>1 ${time} ${headerField(options.hostname ?? alert.instanceId, 255)} ${PRODUCT.name} - alert ${sd} `;
  const maxBytes = options.maxBytes ?? 8192;
  let msg = toCef(alert, options.now);
  // Keep the whole message within maxBytes: shorten the command (the only unbounded part) until it fits.
  for (let budget = alert.command.length; Buffer.byteLength(head + msg) > maxBytes && budget > 0; ) {
    budget = Math.floor(budget / 2);
    msg = toCef({ ...alert, command: `${alert.command.slice(0, budget)}...` }, options.now);
  }
  return head + msg;
}

/** RFC 5425/6587 octet counting: `LEN SP MSG`, LEN the byte length of MSG. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
