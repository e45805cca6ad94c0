import { isoTime } from '../time/iso-time.js';

/**
 * The S3 transcript is `script <sessionId>.log -c "cat ipcTempFile.log"`: a header line, the raw terminal bytes,
 * and a footer line. The header names the instance and session; both give times, in one of util-linux's styles.
 */
export interface ScriptHeader {
  start: string | null;
  instanceId: string | null;
  sessionId: string | null;
}

export interface ScriptFooter {
  end: string | null;
  exitCode: number | null;
}

const HEADER_START = 'Script started on ';
const FOOTER_START = 'Script done on ';
const EXIT_CODE = / \[COMMAND_EXIT_CODE="?(\d+)"?\]$/;
const ORCHESTRATION = /\/var\/lib\/amazon\/ssm\/([^/\s"]+)\/session\/orchestration\/([^/\s"]+)\/Standard_Stream\//;
/** What a header or footer line cannot hold (a regular expression's `.` stops at them). */
const LINE_BREAK = /[\r\n\u2028\u2029]/;

/*
 * The header and footer are parsed by index, not by one regular expression: "(.+?)(?: \[(.*)\])?$" backtracks in
 * time quadratic in the line, and a CloudWatch event can put 256 KB in a forged header line (seconds of CPU).
 */

/** `Script started on DATE [COMMAND="…ssm/INSTANCE/session/orchestration/SESSION/Standard_Stream/…"]`. */
export function parseScriptHeader(line: string): ScriptHeader | null {
  if (!line.startsWith(HEADER_START)) return null;
  const rest = withoutEnd(line.slice(HEADER_START.length), '\r');
  if (!rest || LINE_BREAK.test(rest)) return null;
  // the date ends at the first " [" of a bracketed tail (the date itself may not be empty)
  const open = rest.endsWith(']') ? rest.indexOf(' [', 1) : -1;
  const date = open < 0 ? rest : rest.slice(0, open);
  const where = open < 0 ? null : ORCHESTRATION.exec(rest.slice(open + 2, -1));
  return { start: parseScriptDate(date), instanceId: where?.[1] ?? null, sessionId: where?.[2] ?? null };
}

/**
 * script writes "\nScript done on ..." after the output: the newline before it is its own, not the output's. The
 * footer is the text's last line; `index` is where it starts, that newline included.
 */
export function parseScriptFooter(tail: string): (ScriptFooter & { index: number }) | null {
  const text = withoutEnd(withoutEnd(tail, '\n'), '\r');
  const index = text.lastIndexOf('\n') + 1;
  if (!text.startsWith(FOOTER_START, index)) return null;
  const rest = text.slice(index + FOOTER_START.length);
  if (!rest || LINE_BREAK.test(rest)) return null;
  const code = EXIT_CODE.exec(rest);
  const coded = code !== null && code.index > 0;
  return {
    end: parseScriptDate(coded ? rest.slice(0, code.index) : rest),
    exitCode: coded ? Number(code[1]) : null,
    index: Math.max(0, index - 1),
  };
}

const withoutEnd = (text: string, end: string) => (text.endsWith(end) ? text.slice(0, -end.length) : text);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * "2026-10-05 14:03:22+00:00" (util-linux 2.35+), "Mon 05 Oct 2026 02:03:22 PM UTC" (Amazon Linux 2),
 * "Mon Oct  5 14:03:22 2026" (older). Zone names other than UTC/GMT are not resolved: null then.
 */
export function parseScriptDate(text: string): string | null {
  const s = text.trim();
  let m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})([+-]\d{2}:?\d{2}|Z)?$/.exec(s);
  if (m) return iso(`${m[1]}T${m[2]}${normaliseOffset(m[3] ?? 'Z')}`);
  m = /^\w{3},? (\d{1,2}) (\w{3}) (\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ([AP]M))?(?: (UTC|GMT|[+-]\d{4}))?$/i.exec(s);
  if (m) return fromParts(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!, m[7], m[8]);
  m = /^\w{3} (\w{3}) {1,2}(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (?:(UTC|GMT) )?(\d{4})$/i.exec(s);
  if (m) return fromParts(m[7]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, undefined, m[6] ?? 'UTC');
  return null;
}

function fromParts(
  year: string,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
  ampm: string | undefined,
  zone: string | undefined,
): string | null {
  const mon = MONTHS.indexOf(month.toLowerCase());
  if (mon < 0 || (zone && !/^(UTC|GMT|[+-]\d{4})$/i.test(zone))) return null;
  let h = Number(hour) % (ampm ? 12 : 24);
  if (ampm?.toUpperCase() === 'PM') h += 12;
  const pad = (n: number | string) => String(n).padStart(2, '0');
  const offset = zone && /^[+-]/.test(zone) ? normaliseOffset(zone) : 'Z';
  return iso(`${year}-${pad(mon + 1)}-${pad(day)}T${pad(h)}:${minute}:${second}${offset}`);
}

function normaliseOffset(offset: string): string {
  if (offset === 'Z') return 'Z';
  return offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
}

function iso(s: string): string | null {
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : isoTime(t);
}
