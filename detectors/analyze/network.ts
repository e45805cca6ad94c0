/**
 * Network destinations named by a command: URLs (parsed by the WHATWG URL parser, so `HTTP://EVIL.COM.`,
 * `http://good@evil/`, `http://3405803842/` and IPv6 all normalise), host operands of network tools, socat
 * addresses, `/dev/tcp/HOST/PORT`, and hosts inside interpreter one-liners (checked against the public-suffix list).
 */
import { parse as parseDomain } from 'tldts';
import { parseOptions } from './options.js';
import type { Destination } from './types.js';

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]{0,30}):\/\/[^\s'"<>`\\]{1,2048}/gi;
const IPV4_IN_TEXT = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/g;
const QUOTED_HOST = /(["'])([A-Za-z0-9][A-Za-z0-9.-]{2,252})\1/g;
const HOSTNAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ftp', 'ws', 'wss']);

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

export function parseUrlDestination(text: string): Destination | null {
  const m = /^([a-z][a-z0-9+.-]{0,30}):\/\/(.*)$/is.exec(text);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  try {
    const u = new URL(SPECIAL_SCHEMES.has(scheme) ? text : `http://${m[2]}`);
    if (u.hostname.endsWith('.')) u.hostname = u.hostname.replace(/\.+$/, '');
    const hostname = u.hostname;
    const norm = normaliseHost(hostname);
    if (!norm) return null;
    const port = u.port ? Number(u.port) : null;
    const url = SPECIAL_SCHEMES.has(scheme) ? u.href : `${scheme}://${u.href.slice('http://'.length)}`;
    return { ...norm, url, scheme, port, source: text };
  } catch {
    return null;
  }
}

export function urlsInText(text: string): Destination[] {
  const out: Destination[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const d = parseUrlDestination(m[0].replace(/[),.;]+$/, ''));
    if (d) out.push(d);
  }
  return out;
}

/** `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`, bash's built-in sockets. */
export function devSocketDestination(path: string): Destination | null {
  const m = /^\/dev\/(tcp|udp)\/([^/]{1,255})\/(\d{1,5})/.exec(path);
  if (!m) return null;
  const norm = normaliseHost(m[2]!);
  return norm ? { ...norm, url: null, scheme: m[1]!, port: Number(m[3]), source: path } : null;
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
  return { ...norm, url: null, scheme: null, port, source: token };
}

/** Destinations in program code (`python -c`, `perl -e`, …): URLs, IPv4 literals, quoted public host names. */
export function destinationsInCode(code: string): Destination[] {
  const out = urlsInText(code);
  for (const m of code.matchAll(IPV4_IN_TEXT)) {
    const norm = normaliseHost(m[0]);
    if (norm) out.push({ ...norm, url: null, scheme: null, port: null, source: m[0] });
  }
  for (const m of code.matchAll(QUOTED_HOST)) {
    const candidate = m[2]!;
    if (!candidate.includes('.') || IPV4.test(candidate)) continue;
    const info = parseDomain(candidate);
    const last = candidate.slice(candidate.lastIndexOf('.') + 1).toLowerCase();
    if (!info.domain || !info.isIcann || FILE_ENDINGS.has(last)) continue;
    const norm = normaliseHost(candidate);
    if (norm) out.push({ ...norm, url: null, scheme: null, port: null, source: candidate });
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
  return { ...norm, url: null, scheme: 'tcp', port, source: arg };
}

/** Destinations of one command, from its program, arguments and redirections. */
export function commandDestinations(
  program: string,
  args: string[],
  redirectTargets: string[],
  textOnly: boolean,
): Destination[] {
  const out: Destination[] = [];
  for (const t of redirectTargets) {
    const d = devSocketDestination(t);
    if (d) out.push(d);
  }
  for (const a of args) {
    const d = devSocketDestination(a);
    if (d) out.push(d);
  }
  if (program === 'socat') {
    for (const a of args) {
      const d = socatAddress(a);
      if (d) out.push(d);
    }
    return out;
  }
  const spec = TOOLS[program];
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
    if (program === 'git' || program === 'sshpass' || program === 'openssl') {
      for (const a of args) out.push(...urlsInText(a));
    }
    return dedupe(out);
  }
  // miners and unknown (renamed) binaries: `-o pool.example.com:3333`, `--url=host:port`
  for (let i = 0; i < args.length && !textOnly; i++) {
    const a = args[i]!;
    const m = /^(?:--?(?:url|pool|o))=(.+)$/.exec(a);
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
  if (!textOnly) for (const a of args) out.push(...urlsInText(a));
  return dedupe(out);
}

function dedupe(list: Destination[]): Destination[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.host}|${d.url ?? ''}|${d.port ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
