/**
 * Commands that run another command: sudo, env, nohup, timeout, … Each is peeled off so rules see the program
 * that really runs, with a record of the wrappers and of the user it runs as.
 */
import { hasOption, optionValue, parseOptions } from './options.js';
import type { WrapperUse } from './types.js';

export type Next =
  /** The wrapped command, to unwrap further. */
  | { kind: 'argv'; argv: string[] }
  /** Shell text to parse and analyse (`su -c '…'`, `env -S '…'`, `watch '…'`). */
  | { kind: 'text'; text: string }
  /** An interactive shell starts (`sudo -i`, `su -`, `pkexec`). */
  | { kind: 'shell' }
  /** The wrapper runs nothing (`sudo -l`, `command -v x`). */
  | { kind: 'stop' };

export interface Unwrapped {
  use: WrapperUse;
  /** The user the wrapped command runs as, when the wrapper changes it. */
  runAs: string | null;
  next: Next;
}

type Handler = (args: string[]) => { runAs?: string | null; next: Next; options: string[] };

const names = (p: ReturnType<typeof parseOptions>) => p.options.map((o) => o.name);
const argvOrStop = (rest: string[]): Next => (rest.length > 0 ? { kind: 'argv', argv: rest } : { kind: 'stop' });

/** `sudo -u#-1` and `-u#0` (CVE-2019-14287) are root; so is uid 0. */
export function normaliseUser(user: string | null): string | null {
  if (user === null) return null;
  const u = user.trim();
  if (u === '#0' || u === '#-1' || u === '#4294967295' || u === '0') return 'root';
  return u;
}

function sudo(args: string[]) {
  const p = parseOptions(args, {
    short: 'ugCDhprtUTR',
    long: [
      'user',
      'group',
      'chdir',
      'close-from',
      'prompt',
      'role',
      'type',
      'other-user',
      'command-timeout',
      'host',
      'chroot',
    ],
  });
  const runAs = normaliseUser(optionValue(p, '-u', '--user')) ?? 'root';
  const options = names(p);
  if (hasOption(p, '-l', '--list', '-v', '--validate', '-K', '--remove-timestamp', '-V', '--version', '--help')) {
    return { runAs, next: { kind: 'stop' } as Next, options };
  }
  if (hasOption(p, '-h') && p.rest.length === 0) return { runAs, next: { kind: 'stop' } as Next, options };
  if (hasOption(p, '-e', '--edit'))
    return { runAs, next: { kind: 'argv', argv: ['sudoedit', ...p.rest] } as Next, options };
  if (p.rest.length === 0) {
    const shell = hasOption(p, '-i', '--login', '-s', '--shell');
    return { runAs, next: (shell ? { kind: 'shell' } : { kind: 'stop' }) as Next, options };
  }
  return { runAs, next: { kind: 'argv', argv: p.rest } as Next, options };
}

function su(args: string[], isRunuser: boolean) {
  const login = args.includes('-');
  const filtered = args.filter((a) => a !== '-');
  if (isRunuser) {
    const p = parseOptions(filtered, { short: 'ugGcsw', long: ['user', 'group', 'command', 'shell'] });
    const user = optionValue(p, '-u', '--user');
    if (user) return { runAs: normaliseUser(user), next: argvOrStop(p.rest), options: names(p) };
  }
  const p = parseOptions(filtered, {
    short: 'cCsgGw',
    long: ['command', 'session-command', 'shell', 'group', 'supp-group', 'whitelist-environment'],
    stopAtOperand: false,
  });
  const runAs = normaliseUser(p.operands[0] ?? 'root');
  const options = [...names(p), ...(login ? ['-'] : [])];
  const command = optionValue(p, '-c', '--command', '-C', '--session-command');
  if (command !== null) return { runAs, next: { kind: 'text', text: command } as Next, options };
  if (hasOption(p, '--help', '-V', '--version')) return { runAs, next: { kind: 'stop' } as Next, options };
  return { runAs, next: { kind: 'shell' } as Next, options };
}

function env(args: string[]) {
  const p = parseOptions(args, {
    short: 'uCS',
    long: ['unset', 'chdir', 'split-string', 'block-signal', 'default-signal', 'ignore-signal'],
  });
  let rest = p.rest;
  while (rest.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]!)) rest = rest.slice(1);
  const split = optionValue(p, '-S', '--split-string');
  if (split !== null) return { next: { kind: 'text', text: [split, ...rest].join(' ') } as Next, options: names(p) };
  return { next: argvOrStop(rest), options: names(p) };
}

/** Wrappers whose first operand is not the command (a duration, a priority, a directory, a file). */
function skipOperand(short: string, long: string[] = [], stopOn: string[] = []) {
  return (args: string[]) => {
    const p = parseOptions(args, { short, long });
    if (stopOn.some((o) => hasOption(p, o))) return { next: { kind: 'stop' } as Next, options: names(p) };
    return { next: argvOrStop(p.rest.slice(1)), options: names(p) };
  };
}

function simple(short: string, long: string[] = [], stopOn: string[] = []) {
  return (args: string[]) => {
    const p = parseOptions(args, { short, long });
    if (stopOn.some((o) => hasOption(p, o))) return { next: { kind: 'stop' } as Next, options: names(p) };
    return { next: argvOrStop(p.rest), options: names(p) };
  };
}

const HANDLERS: Record<string, Handler> = {
  sudo,
  su: (a) => su(a, false),
  runuser: (a) => su(a, true),
  doas: (args) => {
    const p = parseOptions(args, { short: 'uC' });
    const runAs = normaliseUser(optionValue(p, '-u')) ?? 'root';
    if (hasOption(p, '-C', '-L')) return { runAs, next: { kind: 'stop' }, options: names(p) };
    if (p.rest.length === 0)
      return { runAs, next: hasOption(p, '-s') ? { kind: 'shell' } : { kind: 'stop' }, options: names(p) };
    return { runAs, next: { kind: 'argv', argv: p.rest }, options: names(p) };
  },
  pkexec: (args) => {
    const p = parseOptions(args, { long: ['user'] });
    const runAs = normaliseUser(optionValue(p, '--user')) ?? 'root';
    if (hasOption(p, '--version', '--help')) return { runAs, next: { kind: 'stop' }, options: names(p) };
    return { runAs, next: p.rest.length ? { kind: 'argv', argv: p.rest } : { kind: 'shell' }, options: names(p) };
  },
  'systemd-run': (args) => {
    const p = parseOptions(args, {
      short: 'upEHMd',
      long: [
        'unit',
        'property',
        'uid',
        'gid',
        'setenv',
        'working-directory',
        'description',
        'slice',
        'machine',
        'host',
        'nice',
        'on-calendar',
        'on-active',
        'timer-property',
        'service-type',
      ],
    });
    const user = hasOption(p, '--user') ? null : (normaliseUser(optionValue(p, '--uid')) ?? 'root');
    if (p.rest.length === 0 && hasOption(p, '-S', '--shell'))
      return { runAs: user, next: { kind: 'shell' }, options: names(p) };
    return { runAs: user, next: argvOrStop(p.rest), options: names(p) };
  },
  env,
  nohup: simple(''),
  setsid: simple(''),
  time: simple('fo', ['format', 'output']),
  builtin: simple(''),
  command: simple('', [], ['-v', '-V']),
  exec: simple('a'),
  nice: simple('n', ['adjustment']),
  ionice: simple('cnt', ['class', 'classdata'], ['-p', '-P', '-u']),
  timeout: skipOperand('sk', ['signal', 'kill-after']),
  stdbuf: simple('ioe', ['input', 'output', 'error']),
  chrt: skipOperand('TPD', [], ['-p', '--pid']),
  taskset: skipOperand('', [], ['-p', '--pid']),
  chroot: skipOperand('', ['userspec', 'groups']),
  xargs: simple('aEIdLnPs', [
    'arg-file',
    'eof',
    'replace',
    'delimiter',
    'max-lines',
    'max-args',
    'max-procs',
    'max-chars',
  ]),
  flock: (args) => {
    const p = parseOptions(args, { short: 'wEc', long: ['timeout', 'conflict-exit-code', 'command'] });
    const text = optionValue(p, '-c', '--command');
    if (text !== null) return { next: { kind: 'text', text }, options: names(p) };
    return { next: argvOrStop(p.rest.slice(1)), options: names(p) };
  },
  watch: (args) => {
    const p = parseOptions(args, { short: 'nq', long: ['interval'] });
    return { next: p.rest.length ? { kind: 'text', text: p.rest.join(' ') } : { kind: 'stop' }, options: names(p) };
  },
  script: (args) => {
    const p = parseOptions(args, {
      short: 'cBIOETm',
      long: ['command', 'log-io', 'log-in', 'log-out', 'log-timing', 'logging-format'],
    });
    const text = optionValue(p, '-c', '--command');
    return { next: text !== null ? { kind: 'text', text } : { kind: 'shell' }, options: names(p) };
  },
  sg: (args) => {
    const p = parseOptions(args.slice(1), { short: 'c' });
    const text = optionValue(p, '-c');
    if (text !== null) return { next: { kind: 'text', text }, options: names(p) };
    return { next: p.rest.length ? { kind: 'text', text: p.rest.join(' ') } : { kind: 'shell' }, options: names(p) };
  },
  busybox: (args) => ({ next: argvOrStop(args), options: [] }),
  unbuffer: simple(''),
  nocache: simple(''),
  catchsegv: simple(''),
  torsocks: simple('uaPp'),
  proxychains: simple('f'),
  proxychains4: simple('f'),
  strace: simple('oepsuEPIaSbX'),
  ltrace: simple('oepsuEaSnA'),
  nsenter: simple('tSGu', ['target', 'setuid', 'setgid']),
  unshare: simple('', ['map-user', 'map-group', 'propagation', 'setgroups']),
  screen: simple('Scp'),
  tmux: (args) => {
    const i = args.findIndex((a) => a === 'new' || a === 'new-session' || a === 'new-window');
    const rest = i === -1 ? [] : parseOptions(args.slice(i + 1), { short: 'sntcxyFeF' }).rest;
    return { next: rest.length ? { kind: 'text', text: rest.join(' ') } : { kind: 'stop' }, options: [] };
  },
};

const WRAPPER_NAMES: ReadonlySet<string> = new Set(Object.keys(HANDLERS));

export function isWrapper(program: string): boolean {
  return WRAPPER_NAMES.has(program);
}

export function unwrap(program: string, args: string[]): Unwrapped | null {
  const handler = Object.hasOwn(HANDLERS, program) ? HANDLERS[program] : undefined;
  if (!handler) return null;
  const r = handler(args);
  return { use: { name: program, options: r.options }, runAs: r.runAs ?? null, next: r.next };
}

/** Wrappers that change the user a command runs as. */
export const USER_SWITCHERS = new Set(['sudo', 'su', 'runuser', 'doas', 'pkexec', 'systemd-run']);
