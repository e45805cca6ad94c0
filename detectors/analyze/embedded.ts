/**
 * Commands that programs run on our behalf: interpreter one-liners (`python -c 'os.system("…")'`,
 * `perl -e 'exec "/bin/sh"'`, `awk 'BEGIN{system("…")}'`), editor and pager escapes (`vim -c ':!/bin/sh'`),
 * `find -exec`, `tar --checkpoint-action=exec=…`, ssh's ProxyCommand. The GTFOBins ways to reach a shell.
 */
import { parseOptions } from './options.js';
import { programFamily } from './programs.js';

export interface Embedded {
  /** Program source given on the command line, scanned for destinations and rules. */
  code: string | null;
  /** Shell text the program runs. */
  texts: string[];
  /** Commands the program runs with an explicit argv. */
  argvs: string[][];
  /** The program starts an interactive shell. */
  shell: boolean;
}

const CALL =
  /\b(?:system|popen|exec[lv]?p?e?|spawn|call|run|check_call|check_output|Popen|getoutput|getstatusoutput|shell_exec|passthru|proc_open|pcntl_exec|execSync|spawnSync|execFileSync|execute)\s{0,4}\(?\s{0,4}(?:\[\s{0,4})?[rbfu]?(?:"((?:[^"\\\n]|\\.){1,2000})"|'((?:[^'\\\n]|\\.){1,2000})')/g;
const ARRAY_CALL =
  /\b(?:spawn|call|run|check_call|check_output|Popen|exec[lv]p?e?)\s{0,4}\(\s{0,4}\[([^\]]{1,2000})\]/g;
const QUOTED = /"((?:[^"\\\n]|\\.){0,500})"|'((?:[^'\\\n]|\\.){0,500})'/g;
const BACKTICKS = /`([^`\n]{1,2000})`/g;
const SHELL_PATH = /^(?:\/(?:usr\/)?(?:local\/)?bin\/)?(?:ba|da|z|k|c|tc|fi)?sh$/;

const unescapeQuotes = (s: string) => s.replace(/\\(["'\\])/g, '$1');

const CODE_OPTIONS: Record<string, { short: string; code: string[]; long?: string[] }> = {
  python: { short: 'cmWXQ', code: ['-c'] },
  python2: { short: 'cmWXQ', code: ['-c'] },
  python3: { short: 'cmWXQ', code: ['-c'] },
  perl: { short: 'eEIlMmx', code: ['-e', '-E'] },
  ruby: { short: 'eIrCEF', code: ['-e'] },
  php: { short: 'rBRFEdcz', code: ['-r', '-B', '-R', '-E'] },
  node: { short: 'epr', code: ['-e', '-p', '--eval', '--print'], long: ['eval', 'print', 'require'] },
  nodejs: { short: 'epr', code: ['-e', '-p', '--eval', '--print'], long: ['eval', 'print', 'require'] },
  lua: { short: 'el', code: ['-e'] },
};

const AWKS = new Set(['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk']);
const EDITORS = new Set(['vi', 'vim', 'nvim', 'ex', 'view', 'rvim', 'vimdiff']);

function fromCode(code: string, out: Embedded): void {
  for (const m of code.matchAll(CALL)) {
    const text = unescapeQuotes(m[1] ?? m[2] ?? '');
    if (SHELL_PATH.test(text.trim())) out.shell = true;
    else if (text.trim()) out.texts.push(text);
  }
  for (const m of code.matchAll(ARRAY_CALL)) {
    const argv = [...m[1]!.matchAll(QUOTED)].map((q) => unescapeQuotes(q[1] ?? q[2] ?? ''));
    if (argv.length === 0) continue;
    if (SHELL_PATH.test(argv[0]!) && (argv.length === 1 || argv.every((a, i) => i === 0 || a === '-i' || a === '-p')))
      out.shell = true;
    else out.argvs.push(argv);
  }
  for (const m of code.matchAll(BACKTICKS)) out.texts.push(m[1]!);
  if (/\bpty\.spawn\s{0,4}\(\s{0,4}["'][^"']{0,40}sh["']/.test(code)) out.shell = true;
}

function editorCommand(cmd: string, out: Embedded): void {
  const c = cmd.replace(/^:+/, '').trim();
  if (/^(?:sh|shell)$/.test(c)) out.shell = true;
  else if (c.startsWith('!')) {
    const text = c.slice(1).trim();
    if (SHELL_PATH.test(text)) out.shell = true;
    else if (text) out.texts.push(text);
  } else if (/^(?:py3?|python3?|lua|perl|ruby)\b/.test(c)) {
    out.code = (out.code ? `${out.code}\n` : '') + c;
    fromCode(c, out);
  } else if (/^set\s+shell=/.test(c)) out.shell = true;
}

/** Programs other than interpreters that run commands given in their arguments (the branches below). */
const EMBEDDING_PROGRAMS = new Set([...AWKS, ...EDITORS, 'find', 'tar', 'ssh', 'scp', 'sftp', 'rsync', 'zip', 'git']);

export function embeddedCommands(program: string, args: string[]): Embedded {
  const out: Embedded = { code: null, texts: [], argvs: [], shell: false };
  const family = programFamily(program);
  const spec = Object.hasOwn(CODE_OPTIONS, family) ? CODE_OPTIONS[family] : undefined; // not `constructor`
  if (!spec && !EMBEDDING_PROGRAMS.has(program)) return out; // most programs: no option or argument to scan
  if (spec) {
    const p = parseOptions(args, { short: spec.short, long: spec.long, stopAtOperand: false });
    const codes = p.options.filter((o) => spec.code.includes(o.name) && o.value !== null).map((o) => o.value!);
    if (codes.length > 0) {
      out.code = codes.join('\n');
      fromCode(out.code, out);
    }
  } else if (AWKS.has(program)) {
    const p = parseOptions(args, { short: 'Fvf', stopAtOperand: true });
    if (!p.options.some((o) => o.name === '-f') && p.rest[0]) {
      out.code = p.rest[0];
      fromCode(out.code, out);
      for (const m of out.code.matchAll(/"((?:[^"\\\n]|\\.){1,2000})"\s{0,4}\|\s{0,4}getline/g))
        out.texts.push(unescapeQuotes(m[1]!));
    }
  } else if (EDITORS.has(program)) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if ((a === '-c' || a === '--cmd') && args[i + 1] !== undefined) editorCommand(args[++i]!, out);
      else if (a.startsWith('+') && a.length > 1) editorCommand(a.slice(1), out);
    }
  } else if (program === 'find') {
    for (let i = 0; i < args.length; i++) {
      if (!/^-(?:exec|execdir|ok|okdir)$/.test(args[i]!)) continue;
      const argv: string[] = [];
      for (i++; i < args.length && args[i] !== ';' && args[i] !== '+'; i++) argv.push(args[i]!);
      if (argv.length === 1 && SHELL_PATH.test(argv[0]!)) out.shell = true;
      else if (argv.length > 0) out.argvs.push(argv);
    }
  } else if (program === 'tar') {
    for (const a of args) {
      const m =
        /^--(?:checkpoint-action=exec|to-command|use-compress-program|info-script|new-volume-script)=(.+)$/.exec(a);
      if (m) out.texts.push(m[1]!);
    }
  } else if (program === 'ssh' || program === 'scp' || program === 'sftp') {
    for (let i = 0; i < args.length; i++) {
      const opt = args[i] === '-o' ? args[i + 1] : args[i]!.startsWith('-oProxyCommand') ? args[i]!.slice(2) : null;
      const m = opt ? /^(?:ProxyCommand|LocalCommand)[= ]\s*(.+)$/i.exec(opt) : null;
      if (m) out.texts.push(m[1]!);
    }
  } else if (program === 'rsync') {
    const i = args.findIndex((a) => a === '-e' || a.startsWith('--rsh='));
    if (i !== -1) {
      const text = args[i] === '-e' ? args[i + 1] : args[i]!.slice('--rsh='.length);
      if (text && !/^ssh\b/.test(text)) out.texts.push(text);
    }
  } else if (program === 'zip') {
    const i = args.findIndex((a) => a === '-TT' || a.startsWith('--unzip-command'));
    if (i !== -1) out.texts.push(args[i] === '-TT' ? (args[i + 1] ?? '') : args[i]!.split('=').slice(1).join('='));
  } else if (program === 'git') {
    for (let i = 0; i < args.length; i++) {
      const m = args[i] === '-c' ? /^core\.(?:sshcommand|pager|editor)=(.+)$/i.exec(args[i + 1] ?? '') : null;
      if (m) out.texts.push(m[1]!);
    }
  }
  return out;
}
