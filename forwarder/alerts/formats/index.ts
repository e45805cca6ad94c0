import type { Alert } from '../alert.js';
import { toCef } from './cef.js';
import { toEcs } from './ecs.js';
import { toHecEvent } from './hec.js';
import { toNativeJson } from './native.js';
import { toOcsf } from './ocsf.js';

/** Formats a line-oriented sink (stdout, file, webhook, S3 archive) can write. */
export const LINE_FORMATS = ['jsonl', 'ocsf', 'ecs', 'hec', 'cef'] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];

export function isLineFormat(value: string): value is LineFormat {
  return (LINE_FORMATS as readonly string[]).includes(value);
}

/** One alert as one line of text in the given format (no trailing newline). */
export function formatLine(alert: Alert, format: LineFormat): string {
  switch (format) {
    case 'jsonl':
      return JSON.stringify(toNativeJson(alert));
    case 'ocsf':
      return JSON.stringify(toOcsf(alert));
    case 'ecs':
      return JSON.stringify(toEcs(alert));
    case 'hec':
      return JSON.stringify(toHecEvent(alert));
    case 'cef':
      return toCef(alert);
  }
}

export { toSnsMessage } from './sns.js';
export { octetFrame, toSyslog5424 } from './syslog.js';
export { toCef, toEcs, toHecEvent, toNativeJson, toOcsf };
