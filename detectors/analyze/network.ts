/**
 * Network destinations named by a command: URLs (parsed by the WHATWG URL parser, so `HTTP://EVIL.COM.`,
 * `http://good@evil/`, `http://3405803842/` and IPv6 all normalise), host operands of network tools, socat
 * addresses, `/dev/tcp/HOST/PORT`, and hosts inside interpreter one-liners (checked against the public-suffix list).
 */
import { parse as parseDomain } from 'tldts';
import { codeAt } from '../shell/text.js';
import { parseOptions } from './options.js';
import type { Destination } from './types.js';

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]{0,30}):\/\/[^\s'"<>`\\]{1,2048}/gi;
const IPV4_IN_TEXT = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/g;
const QUOTED_HOST = /(["'])([A-Za-z0-9][A-Za-z0-9.-]{2,252})\1/g;
const HOSTNAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ftp', 'ws', 'wss']);
const MINER_URL_OPTION = /^(?:--?(?:url|pool|o))=(.+)$/;

/** Name endings that are far more often files than top-level domains when seen in a bare argument. */
const FILE_ENDINGS = new Set([
  'sh',
  'py',
  'pl',
  'rb',
  'php',
  'js',
  'ts',
  'txt',
  'log',
  'conf',
  'cfg',
  'ini',
  'json',
  'yml',
  'yaml',
  'xml',
  'csv',
  'tar',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zip',
  'rpm',
  'deb',
  'so',
  'o',
  'c',
  'h',
  'pem',
  'key',
  'pub',
  'crt',
  'service',
  'timer',
  'socket',
  'html',
  'htm',
  'md',
  'bak',
  'tmp',
  'old',
  'swp',
  'lock',
  'pid',
  'sock',
  'out',
  'bin',
  'img',
  'iso',
  'exe',
  'elf',
  'ko',
  'env',
  'd',
  'rules',
  'list',
  'repo',
  'cnf',
  'sql',
  'db',
  'gpg',
  'asc',
  'sig',
  'jar',
  'war',
  'whl',
]);

/**
 * Every destination is made here, as one object literal: one hidden class, which V8 keeps alive with the literal
 * (a spread plus added fields made a class that died with its last object, taking optimised code with it).
 */
function destination(
  norm: { host: string; kind: Destination['kind'] },
  url: string | null,
  scheme: string | null,
  port: number | null,
  source: string,
): Destination {
  return { host: norm.host, kind: norm.kind, url, scheme, port, source };
}

export function normaliseHost(raw: string): { host: string; kind: Destination['kind'] } | null {
  let h = raw.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes(':')) {
    try {
      const u = new URL(`http://[${h}]/`);
      return { host: u.hostname.slice(1, -1), kind: 'ipv6' };
    } catch {
      return null;
    }
  }
  h = h.replace(/\.+$/, '');
  if (!h) return null;
  try {
    const host = new URL(`http://${h}/`).hostname.replace(/\.+$/, '');
    if (IPV4.test(host)) return { host, kind: 'ipv4' };
    if (host.startsWith('[')) return { host: host.slice(1, -1), kind: 'ipv6' };
    if (!HOSTNAME.test(host)) return null;
    return { host, kind: 'domain' };
  } catch {
    return null;
  }
}

/**
 * `normaliseHost` for a hostname the WHATWG parser produced from a special URL: already lowercase, IDNA-encoded,
 * IPv4 dotted and IPv6 bracketed, so it is classified without parsing it again (parsing it again gives it back).
 * Trailing dots the hostname setter could not remove (`_.5..`: without them it is an invalid IPv4) take the long way.
 */
function parsedUrlHost(hostname: string): { host: string; kind: Destination['kind'] } | null {
  if (hostname.endsWith('.')) return normaliseHost(hostname);
  if (hostname.startsWith('[')) return { host: hostname.slice(1, -1), kind: 'ipv6' };
  if (IPV4.test(hostname)) return { host: hostname, kind: 'ipv4' };
  return HOSTNAME.test(hostname) ? { host: hostname, kind: 'domain' } : null;
}

export function parseUrlDestination(text: string): Destination | null {
  const m = /^([a-z][a-z0-9+.-]{0,30}):\/\/(.*)$/is.exec(text);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  try {
    const u = new URL(SPECIAL_SCHEMES.has(scheme) ? text : `http://${m[2]}`);
    if (u.hostname.endsWith('.')) u.hostname = u.hostname.replace(/\.+$/, '');
    const norm = parsedUrlHost(u.hostname);
    if (!norm) return null;
    const port = u.port ? Number(u.port) : null;
    const url = SPECIAL_SCHEMES.has(scheme) ? u.href : `${scheme}://${u.href.slice('http://'.length)}`;
    return destination(norm, url, scheme, port, text);
  } catch {
    return null;
  }
}

/** The URLs in `text`, added to `out` (a new list by default). */
export function urlsInText(text: string, out: Destination[] = []): Destination[] {
  if (!text.includes('://')) return out; // what every URL the pattern finds holds: most arguments have none
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const d = parseUrlDestination(m[0].replace(/[),.;]+$/, ''));
    if (d) out.push(d);
  }
  return out;
}

/** `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`, bash's built-in sockets. */
export function devSocketDestination(path: string): Destination | null {
  if (!path.startsWith('/dev/')) return null; // most arguments: no regular expression
  const m = /^\/dev\/(tcp|udp)\/([^/]{1,255})\/(\d{1,5})/.exec(path);
  if (!m) return null;
  const norm = normaliseHost(m[2]!);
  return norm ? destination(norm, null, m[1]!, Number(m[3]), path) : null;
}

function looksLikeNumericHost(h: string): boolean {
  return /^(?:\d{8,10}|0x[0-9a-f]{1,8})$/i.test(h);
}

/**
 * A bare operand of a network tool: `host`, `user@host`, `host:port`, `user@host:path`, `[v6]:port`, `host/path`.
 * `strict` (for tools where operands are not always hosts) requires a dot and an ending that is not a file type.
 */
export function operandDestination(token: string, strict: boolean): Destination | null {
  if (token.includes('://')) return parseUrlDestination(token);
  const dev = devSocketDestination(token);
  if (dev) return dev;
  if (token.startsWith('/') || token.startsWith('.') || token.startsWith('~') || token.startsWith('-')) return null;
  const hadUser = token.includes('@');
  let rest = hadUser ? token.slice(token.lastIndexOf('@') + 1) : token;
  let port: number | null = null;
  let host: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return null;
    host = rest.slice(1, close);
    const p = /^:(\d{1,5})/.exec(rest.slice(close + 1));
    if (p) port = Number(p[1]);
  } else {
    rest = rest.split('/')[0]!;
    const colon = rest.indexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    const p = colon === -1 ? null : /^(\d{1,5})$/.exec(rest.slice(colon + 1));
    if (p) port = Number(p[1]);
  }
  if (!host) return null;
  const numeric = looksLikeNumericHost(host);
  if (!host.includes('.') && !host.includes(':') && !numeric && (strict || !hadUser)) {
    if (strict || !/^[a-z][a-z0-9-]{0,62}$/i.test(host)) return null;
  }
  if (strict && !hadUser) {
    const last = host.slice(host.lastIndexOf('.') + 1).toLowerCase();
    if (FILE_ENDINGS.has(last) && !IPV4.test(host) && !numeric) return null;
  }
  const norm = normaliseHost(host);
  if (!norm) return null;
  return destination(norm, null, null, port, token);
}

/** Destinations in program code (`python -c`, `perl -e`, …): URLs, IPv4 literals, quoted public host names. */
export function destinationsInCode(code: string): Destination[] {
  const out = urlsInText(code);
  for (const m of code.matchAll(IPV4_IN_TEXT)) {
    const norm = normaliseHost(m[0]);
    if (norm) out.push(destination(norm, null, null, null, m[0]));
  }
  for (const m of code.matchAll(QUOTED_HOST)) {
    const candidate = m[2]!;
    if (!candidate.includes('.') || IPV4.test(candidate)) continue;
    const info = parseDomain(candidate);
    const last = candidate.slice(candidate.lastIndexOf('.') + 1).toLowerCase();
    if (!info.domain || !info.isIcann || FILE_ENDINGS.has(last)) continue;
    const norm = normaliseHost(candidate);
    if (norm) out.push(destination(norm, null, null, null, candidate));
  }
  return out;
}

/** The registrable domain (`a.b.example.co.uk` → `example.co.uk`), for evidence and grouping. */
export function registrableDomain(host: string): string | null {
  return parseDomain(host).domain ?? null;
}

interface ToolSpec {
  short: string;
  long?: string[];
  /** Options whose value is itself a destination (a proxy, a jump host, a DNS server). */
  destinationOptions?: string[];
  /** Only the first operand is a destination (ssh: the rest is the remote command). */
  firstOperandOnly?: boolean;
  /** Only operands with `host:` are destinations (scp, rsync). */
  remotePathsOnly?: boolean;
}

const TOOLS: Record<string, ToolSpec> = {
  curl: {
    short: 'AbcCdDeEFHKmoPQrTtuUwxXyYz',
    long: [
      'output',
      'data',
      'data-raw',
      'data-binary',
      'data-urlencode',
      'header',
      'user',
      'user-agent',
      'proxy',
      'cookie',
      'cookie-jar',
      'referer',
      'form',
      'request',
      'resolve',
      'connect-to',
      'max-time',
      'retry',
      'upload-file',
      'config',
      'write-out',
      'cacert',
      'cert',
      'key',
      'interface',
      'dns-servers',
      'connect-timeout',
      'output-dir',
      'range',
      'continue-at',
      'limit-rate',
      'proxy-user',
      'oauth2-bearer',
    ],
    destinationOptions: ['-x', '--proxy', '--url', '--socks5', '--socks5-hostname', '--socks4', '--preproxy'],
  },
  wget: {
    short: 'OoaeiBtTwQPUlARDIX',
    long: [
      'output-document',
      'output-file',
      'append-output',
      'execute',
      'input-file',
      'base',
      'tries',
      'timeout',
      'wait',
      'quota',
      'directory-prefix',
      'user-agent',
      'level',
      'accept',
      'reject',
      'domains',
      'header',
      'user',
      'password',
      'post-data',
      'post-file',
      'load-cookies',
      'save-cookies',
      'ca-certificate',
      'certificate',
      'private-key',
    ],
  },
  ssh: { short: 'BbcDEeFIiJLlmOoPpQRSWw', destinationOptions: ['-J'], firstOperandOnly: true },
  scp: { short: 'cFiJloPS', destinationOptions: ['-J'], remotePathsOnly: true },
  sftp: { short: 'BbcDFiJlloPRS', destinationOptions: ['-J'], firstOperandOnly: true },
  rsync: {
    short: 'eBfT',
    long: ['rsh', 'exclude', 'include', 'filter', 'password-file', 'port'],
    remotePathsOnly: true,
  },
  nc: { short: 'ceiIkmOpqsTwxXPV', destinationOptions: ['-x'], firstOperandOnly: true },
  ncat: {
    short: 'ceiImopqsTwxdgG',
    long: ['exec', 'sh-exec', 'lua-exec', 'proxy', 'proxy-type', 'source-port', 'wait'],
    destinationOptions: ['--proxy'],
    firstOperandOnly: true,
  },
  netcat: { short: 'ceiIkmOpqsTwxXPV', firstOperandOnly: true },
  telnet: { short: 'bleknX', firstOperandOnly: true },
  dig: { short: 'bcfkpqtxy', firstOperandOnly: false },
  nslookup: { short: '', firstOperandOnly: false },
  host: { short: 'cNRtWm', firstOperandOnly: false },
  ping: { short: 'cisWtIQplwM', firstOperandOnly: true },
  ping6: { short: 'cisWtIQplwM', firstOperandOnly: true },
  traceroute: { short: 'fgimNpqstwz', firstOperandOnly: true },
  whois: { short: 'hpi', firstOperandOnly: true },
  sshpass: { short: 'fdpe' },
  'ssh-keyscan': { short: 'ftpT' },
  'ssh-copy-id': { short: 'ipoF', firstOperandOnly: true },
  git: { short: 'Cc', long: ['branch', 'depth', 'origin', 'config'] },
  openssl: { short: '', long: ['connect'] },
};

const STRICT_OPERAND_TOOLS = new Set([
  'git',
  'sshpass',
  'openssl',
  'aria2c',
  'axel',
  'lftp',
  'mosh',
  'http',
  'https',
  'xh',
  'ftp',
  'tftp',
  'mtr',
  'nmap',
  'masscan',
  'tracepath',
  'drill',
  'links',
  'lynx',
  'w3m',
  'elinks',
  'fetch',
  'tcping',
  'hping3',
  'nping',
]);

function socatAddress(arg: string): Destination | null {
  const m =
    /^(?:tcp[46]?|udp[46]?|tcp-connect|udp-connect|openssl|ssl|socks4a?|socks5|proxy)(?:-connect)?:([^,]+)/i.exec(arg);
  if (!m) return null;
  const target = m[1]!;
  const colon = target.lastIndexOf(':');
  const host = colon === -1 ? target : target.slice(0, colon);
  const norm = normaliseHost(host);
  if (!norm) return null;
  const port = colon === -1 ? null : Number(target.slice(colon + 1)) || null;
  return destination(norm, null, 'tcp', port, arg);
}

/**
 * Destinations of one command, from its program, arguments and redirections. `argText` is any text that holds every
 * argument (the command's text will do): it is searched once for what the scans of each argument look for.
 */
export function commandDestinations(
  program: string,
  args: string[],
  redirectTargets: string[],
  textOnly: boolean,
  argText = args.join(' '),
): Destination[] {
  const out: Destination[] = [];
  for (const t of redirectTargets) {
    const d = devSocketDestination(t);
    if (d) out.push(d);
  }
  // a long pasted command has thousands of arguments and rarely a device path or a URL
  const mentionsUrl = argText.includes('://');
  if (argText.includes('/dev/')) {
    for (const a of args) {
      const d = devSocketDestination(a);
      if (d) out.push(d);
    }
  }
  if (program === 'socat') {
    for (const a of args) {
      const d = socatAddress(a);
      if (d) out.push(d);
    }
    return out;
  }
  const spec = Object.hasOwn(TOOLS, program) ? TOOLS[program] : undefined; // not `constructor`
  if (spec) {
    const parsed = parseOptions(args, { short: spec.short, long: spec.long, stopAtOperand: false });
    for (const o of parsed.options) {
      if (o.value && (spec.destinationOptions?.includes(o.name) || (program === 'openssl' && o.name === '-connect'))) {
        const d = operandDestination(o.value, false);
        if (d) out.push(d);
      }
    }
    const operands = program === 'openssl' ? args.filter((_a, i) => args[i - 1] === '-connect') : parsed.operands;
    let considered = spec.firstOperandOnly ? operands.slice(0, 1) : operands;
    if (program === 'dig') considered = operands.map((o) => o.replace(/^@/, '')).filter((o) => !o.startsWith('+'));
    if (spec.remotePathsOnly)
      considered = operands.filter((o) => /^(?:[^/@:]+@)?(?:\[[^\]]+\]|[^/:]+):/.test(o) || o.includes('://'));
    for (const o of considered) {
      const d = operandDestination(o, program === 'git' || program === 'sshpass');
      if (d) out.push(d);
    }
    if ((program === 'git' || program === 'sshpass' || program === 'openssl') && mentionsUrl) {
      for (const a of args) urlsInText(a, out);
    }
    return dedupe(out);
  }
  // miners and unknown (renamed) binaries: `-o pool.example.com:3333`, `--url=host:port`
  const mentionsOption = argText.includes('-');
  for (let i = 0; i < args.length && !textOnly && mentionsOption; i++) {
    const a = args[i]!;
    if (codeAt(a, 0) !== 0x2d) continue; // not an option
    const m = MINER_URL_OPTION.exec(a);
    const value = m ? m[1]! : a === '-o' || a === '--url' || a === '-url' || a === '--pool' ? args[i + 1] : undefined;
    if (value && /:\d{2,5}$/.test(value)) {
      const d = operandDestination(value, false);
      if (d) out.push(d);
    }
  }
  if (STRICT_OPERAND_TOOLS.has(program)) {
    for (const a of args) {
      if (a.startsWith('-')) continue;
      const d = operandDestination(a, true);
      if (d) out.push(d);
    }
  }
  if (!textOnly && mentionsUrl) for (const a of args) urlsInText(a, out);
  return dedupe(out);
}

function dedupe(list: Destination[]): Destination[] {
  if (list.length < 2) return list;
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.host}|${d.url ?? ''}|${d.port ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
