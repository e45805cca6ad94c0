/**
 * Reads indicator files into IOC sets. Formats are recognised from content: plain lists (one indicator a line,
 * defanged spellings accepted, `#` comments), URLhaus CSV, Feodo Tracker CSV, STIX 2.1 bundles, MISP CSV exports.
 */
import type { LoadProblem } from '../problems.js';
import { parseCsv } from './csv.js';
import { IocSet } from './ioc-set.js';

const MAX_PROBLEMS_PER_FILE = 20;

export type IocFormat = 'plain' | 'urlhaus-csv' | 'feodo-csv' | 'stix2' | 'misp-csv';

export interface IocLoadOptions {
  /** Used for STIX `valid_until`; defaults to the current time. */
  now?: Date;
  purpose?: 'intel' | 'reference';
}

/** Turns defanged spellings back into indicators: hxxp, [.], (.), [dot], (dot), " DOT ", [:], [/], [@]. */
export function refang(text: string): string {
  return text
    .trim()
    .replace(/^hxxp(s?)/i, 'http$1')
    .replace(/^fxp/i, 'ftp')
    .replace(/\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}|\[dot\]|\(dot\)|\s+dot\s+/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[\/\]/g, '/')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/.*)$/is, (url) => url.replace(/\s+/g, ''));
}

export function detectIocFormat(text: string): IocFormat {
  const head = text.slice(0, 4096);
  if (/^\s*\{/.test(head)) return 'stix2';
  if (/^#?\s*"?id"?\s*,\s*"?dateadded"?\s*,\s*"?url"?/im.test(head)) return 'urlhaus-csv';
  if (/first_seen_utc"?\s*,\s*"?dst_ip/i.test(head)) return 'feodo-csv';
  if (/^"?uuid"?\s*,\s*"?event_id"?\s*,\s*"?category"?\s*,\s*"?type"?\s*,\s*"?value"?/im.test(head)) return 'misp-csv';
  return 'plain';
}

/** Adds one indicator of any kind (URL, IP, CIDR, domain) to the set. */
export function addIndicator(set: IocSet, raw: string): boolean {
  const value = refang(raw);
  if (!value) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return set.addUrl(value);
  if (
    /^[\d.]+(?:\/\d{1,2})?$/.test(value) ||
    (value.includes(':') && /^[0-9a-f:.]+(?:\/\d{1,3})?$/i.test(value.replace(/^\[|\](?=\/|$)/g, '')))
  ) {
    return set.addIp(value.replace(/^\[|\]/g, ''));
  }
  return set.addDomain(value.replace(/^\*\./, ''));
}

export function loadIocText(
  name: string,
  text: string,
  options: IocLoadOptions = {},
): { set: IocSet; problems: LoadProblem[]; format: IocFormat } {
  const set = new IocSet(name, options.purpose ?? 'intel');
  const problems: LoadProblem[] = [];
  const problem = (line: number | undefined, message: string) => {
    if (problems.length < MAX_PROBLEMS_PER_FILE) problems.push({ source: name, line, message });
  };
  const format = detectIocFormat(text);
  try {
    switch (format) {
      case 'plain':
        loadPlain(set, text, problem);
        break;
      case 'urlhaus-csv':
        loadCsvColumn(set, text, ['url'], problem, true);
        break;
      case 'feodo-csv':
        loadCsvColumn(set, text, ['dst_ip'], problem, true);
        break;
      case 'misp-csv':
        loadMisp(set, text, problem);
        break;
      case 'stix2':
        loadStix(set, text, options.now ?? new Date(), problem);
        break;
    }
  } catch (err) {
    problem(undefined, `cannot read ${format} indicators: ${(err as Error).message}`);
  }
  return { set, problems, format };
}

type Report = (line: number | undefined, message: string) => void;

function loadPlain(set: IocSet, text: string, problem: Report): void {
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    if (!addIndicator(set, line)) problem(i + 1, `not an indicator (domain, IP, CIDR or URL): ${line.slice(0, 120)}`);
  });
}

/** CSV whose header may be a `#` comment (URLhaus, Feodo). */
function loadCsvColumn(set: IocSet, text: string, columns: string[], problem: Report, headerInComment: boolean): void {
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!trimmed) return;
    if (trimmed.startsWith('#')) {
      const candidate = trimmed.replace(/^#\s*/, '');
      if (headerInComment && columns.some((c) => new RegExp(`(^|,)\\s*"?${c}"?\\s*(,|$)`).test(candidate))) {
        header = parseCsv(candidate)[0]?.map((h) => h.trim().toLowerCase()) ?? null;
      }
      return;
    }
    const row = parseCsv(trimmed)[0] ?? [];
    if (!header && columns.some((c) => row.map((f) => f.toLowerCase()).includes(c))) {
      header = row.map((h) => h.trim().toLowerCase());
      return;
    }
    const index = header ? (header as string[]).findIndex((h) => columns.includes(h)) : -1;
    const value = index === -1 ? row.find((f) => /^[a-z]+:\/\/|^\d{1,3}(\.\d{1,3}){3}$/i.test(f.trim())) : row[index];
    if (!value || !addIndicator(set, value)) problem(i + 1, `no indicator in row: ${trimmed.slice(0, 120)}`);
  });
}

function loadMisp(set: IocSet, text: string, problem: Report): void {
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim().toLowerCase()) ?? [];
  const col = (name: string) => header.indexOf(name);
  const [typeCol, valueCol, idsCol] = [col('type'), col('value'), col('to_ids')];
  rows.slice(1).forEach((row, i) => {
    if (row.length === 1 && !row[0]) return;
    const toIds = (row[idsCol] ?? '').trim().toLowerCase();
    if (idsCol !== -1 && toIds !== '1' && toIds !== 'true') return;
    const type = (row[typeCol] ?? '').trim().toLowerCase();
    const value = (row[valueCol] ?? '').trim();
    let parts: string[];
    switch (type) {
      case 'domain':
      case 'hostname':
      case 'url':
      case 'ip-dst':
      case 'ip-src':
        parts = [value];
        break;
      case 'domain|ip':
        parts = value.split('|');
        break;
      case 'ip-dst|port':
      case 'ip-src|port':
      case 'hostname|port':
        parts = [value.split('|')[0] ?? ''];
        break;
      default:
        return;
    }
    for (const p of parts) if (!addIndicator(set, p)) problem(i + 2, `bad ${type} value: ${value.slice(0, 120)}`);
  });
}

interface StixObject {
  type?: string;
  pattern?: string;
  pattern_type?: string;
  revoked?: boolean;
  valid_until?: string;
}

const STIX_COMPARISON = /\b(domain-name|url|ipv4-addr|ipv6-addr):value\s*=\s*'((?:[^'\\]|\\.){1,2048})'/g;

function loadStix(set: IocSet, text: string, now: Date, problem: Report): void {
  const bundle = JSON.parse(text) as { type?: string; objects?: StixObject[] };
  if (bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) throw new Error('not a STIX 2.1 bundle');
  bundle.objects.forEach((obj, i) => {
    if (obj.type !== 'indicator' || typeof obj.pattern !== 'string') return;
    if (obj.pattern_type && obj.pattern_type !== 'stix') return;
    if (obj.revoked) return;
    if (obj.valid_until && Date.parse(obj.valid_until) <= now.getTime()) return;
    let found = 0;
    for (const m of obj.pattern.matchAll(STIX_COMPARISON)) {
      const value = m[2]!.replace(/\\(.)/g, '$1');
      if (addIndicator(set, value)) found++;
    }
    if (found === 0) problem(undefined, `object ${i}: no supported comparison in pattern ${obj.pattern.slice(0, 120)}`);
  });
}
