/**
 * Turns one command line into the simple commands that would run: parsed, expanded with the session's variables,
 * aliases and functions, unwrapped (sudo, env, sh -c, eval, …), decoded (base64/hex/rev chains into a shell),
 * with the network destinations each command names.
 */

import { compileGlob } from '../match/glob.js';
import type { Command, Pipeline, Redirect, Script, SimpleCommand, Word } from '../shell/ast.js';
import { type ExpandEnv, expandWord, plainLiteral } from '../shell/expand.js';
import { parseShell } from '../shell/parse.js';
import { bytesToText, DECODING_FILTERS, type Stage, simulatePipeline } from './decode.js';
import { embeddedCommands } from './embedded.js';
import { commandDestinations, destinationsInCode } from './network.js';
import { parseOptions } from './options.js';
import { BIN_DIRS, basename, INTERPRETERS, programFamily, SHELLS, TEXT_ONLY } from './programs.js';
import { expandHistory, type SessionState } from './session-state.js';
import type { AnalysedCommand, Destination, LineAnalysis, WrapperUse } from './types.js';
import { isWrapper, USER_SWITCHERS, unwrap } from './wrappers.js';

const MAX_LINE = 65_536;
/** Builtins whose `NAME=value` arguments assign variables. */
const DECLARATION_BUILTINS = new Set(['export', 'declare', 'typeset', 'local', 'readonly']);
const MAX_STEPS = 2_000;
const MAX_LAYER = 8;

/** Paths an attacker may spell with a glob (`cat /etc/sh*w`); a glob argument matching one is read as that path. */
const SENSITIVE_PATHS = [
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/passwd',
  '/etc/sudoers',
  '/etc/crontab',
  '/etc/ld.so.preload',
  '/root/.ssh/authorized_keys',
  '/root/.bash_history',
  '/var/log/auth.log',
  '/var/log/secure',
  '/var/log/syslog',
  '/var/log/messages',
  '/var/log/wtmp',
  '/var/log/btmp',
  '/var/log/lastlog',
  '/var/log/audit/audit.log',
];

export interface AnalyzeOptions {
  /** Program names worth resolving a glob such as `/u?r/b?n/s?do` to (the engine passes those its rules name). */
  knownPrograms?: ReadonlySet<string>;
}

interface Context {
  layer: number;
  origin: string;
  wrappers: WrapperUse[];
  elevated: boolean;
  runAs: string | null;
  stdinFromPipe: boolean;
  aliases: ReadonlySet<string>;
  functionDepth: number;
}

interface Produced {
  /** The commands this construct runs directly (what a pipeline neighbour sees). */
  top: AnalysedCommand[];
}

/** Per simple command: what its expansions read from (command and process substitutions). */
interface ExpansionTrace {
  feeds: string[];
  decoded: boolean;
}

const NO_ALIASES: ReadonlySet<string> = new Set();

/**
 * The analyzer not in use, kept for the next line (it holds on to the last line's state and results until then): as
 * with the parser (`idleParser` in shell/parse.ts), a live instance keeps its hidden class, and the optimised code
 * built for it, through memory-reducing GCs.
 */
let idleAnalyzer: LineAnalyzer | null = null;

export function analyzeLine(line: string, state: SessionState, options: AnalyzeOptions = {}): LineAnalysis {
  const text = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
  const history = expandHistory(text, state.history);
  const analyzer = idleAnalyzer ?? new LineAnalyzer(state, options);
  idleAnalyzer = null; // a nested call (none today) gets its own
  analyzer.reset(state, options);
  try {
    analyzer.analyzeText(history.text, {
      layer: 0,
      origin: history.expanded ? 'history' : 'typed',
      wrappers: [],
      elevated: false,
      runAs: null,
      stdinFromPipe: false,
      aliases: NO_ALIASES,
      functionDepth: 0,
    });
    state.remember(history.text);
    return {
      line,
      commands: analyzer.commands,
      decoded: analyzer.decoded,
      truncated: analyzer.truncated || line.length > MAX_LINE,
    };
  } finally {
    idleAnalyzer = analyzer;
  }
}

class LineAnalyzer {
  commands: AnalysedCommand[] = [];
  decoded: string[] = [];
  truncated = false;
  private steps = 0;

  constructor(
    private state: SessionState,
    private options: AnalyzeOptions,
  ) {}

  /** Starts a new line: fresh results and budget. */
  reset(state: SessionState, options: AnalyzeOptions): void {
    this.state = state;
    this.options = options;
    this.commands = [];
    this.decoded = [];
    this.truncated = false;
    this.steps = 0;
  }

  private spend(): boolean {
    if (++this.steps > MAX_STEPS) this.truncated = true;
    return !this.truncated;
  }

  analyzeText(text: string, ctx: Context): Produced {
    if (ctx.layer > MAX_LAYER || !this.spend()) {
      if (ctx.layer > MAX_LAYER) this.truncated = true;
      return { top: [] };
    }
    const parsed = parseShell(text);
    if (parsed.truncated) this.truncated = true;
    return this.walkScript(parsed.script, ctx);
  }

  private walkScript(script: Script, ctx: Context): Produced {
    const top: AnalysedCommand[] = [];
    for (const item of script.items) top.push(...this.walkPipeline(item.pipeline, ctx).top);
    return { top };
  }

  private walkPipeline(pipeline: Pipeline, ctx: Context): Produced {
    if (pipeline.commands.length === 1) {
      // most pipelines are one command: no neighbours to mark, nothing to feed a shell
      const first = ctx.stdinFromPipe ? { ...ctx, stdinFromPipe: false } : ctx;
      return this.walkCommand(pipeline.commands[0]!, first, { stage: null });
    }
    const stages: AnalysedCommand[][] = [];
    const simulation: (Stage | null)[] = [];
    pipeline.commands.forEach((command, i) => {
      const stageCtx = { ...ctx, stdinFromPipe: i > 0 };
      const sim: { stage: Stage | null } = { stage: null };
      stages.push(this.walkCommand(command, stageCtx, sim).top);
      simulation.push(sim.stage);
    });
    if (stages.length > 1) {
      const names = stages.map((s) => s.flatMap((c) => [c.program, ...c.wrappers.map((w) => w.name)]).filter(Boolean));
      stages.forEach((stage, i) => {
        const before = names.slice(0, i).flat();
        const after = names.slice(i + 1).flat();
        for (const c of stage) {
          c.pipeFrom = unique([...c.pipeFrom, ...before]);
          c.pipeTo = unique([...c.pipeTo, ...after]);
        }
      });
      stages.forEach((stage, i) => {
        if (i === 0) return;
        const consumer = stage.find((c) => readsScriptFromStdin(c));
        if (!consumer) return;
        const producers = simulation.slice(0, i);
        if (producers.some((p) => p === null)) return;
        const bytes = simulatePipeline(producers as Stage[]);
        if (bytes === null) return;
        const text = bytesToText(bytes);
        const decodedChain = producers.some((p) => DECODING_FILTERS.has(basename(p!.argv[0] ?? '')));
        this.runStdinScript(text, consumer, ctx, decodedChain ? 'decoded' : 'stdin');
      });
    }
    return { top: stages.flat() };
  }

  private runStdinScript(text: string, consumer: AnalysedCommand, ctx: Context, origin: string): void {
    if (origin === 'decoded') this.decoded.push(text);
    const inner = this.analyzeText(text, {
      ...ctx,
      layer: ctx.layer + 1,
      origin,
      wrappers: consumer.wrappers,
      elevated: consumer.elevated,
      runAs: consumer.runAs,
      stdinFromPipe: false,
    });
    for (const c of inner.top) c.pipeFrom = unique([...c.pipeFrom, ...consumer.pipeFrom]);
  }

  private walkCommand(command: Command, ctx: Context, sim: { stage: Stage | null }): Produced {
    if (command.type === 'function') {
      this.state.functions.set(command.name, command.source);
      return { top: [] };
    }
    if (command.type === 'group') {
      const saved = command.subshell ? new Map(this.state.vars) : null;
      const produced = this.walkScript(command.body, ctx);
      if (saved) {
        this.state.vars.clear();
        for (const [k, v] of saved) this.state.vars.set(k, v);
      }
      return produced;
    }
    return this.walkSimple(command, ctx, sim);
  }

  private expandEnv(ctx: Context, trace: ExpansionTrace): ExpandEnv {
    return {
      vars: this.state.vars,
      commandSubstitution: (body) => this.substitute(body, ctx, trace),
      processSubstitution: (body) => {
        const produced = this.walkScript(body, { ...ctx, layer: ctx.layer, origin: 'procsub' });
        trace.feeds.push(...produced.top.map((c) => c.program));
      },
    };
  }

  /** Analyses the commands of `$(…)` and returns its output when it can be computed statically. */
  private substitute(body: Script, ctx: Context, trace: ExpansionTrace): string | null {
    if (!this.spend()) return null;
    if (body.items.length === 0) return '';
    const produced = this.walkScript(body, { ...ctx, origin: 'cmdsub' });
    trace.feeds.push(...produced.top.flatMap((c) => [c.program, ...c.pipeFrom]));
    if (body.items.length !== 1) return null;
    const pipeline = body.items[0]!.pipeline;
    const stages: Stage[] = [];
    for (const command of pipeline.commands) {
      if (command.type !== 'simple') return null;
      const quiet: ExpandEnv = { vars: this.state.vars, commandSubstitution: () => null };
      const argv = command.words.flatMap((w) => expandWord(w, quiet).fields);
      stages.push({ argv, stdinText: this.stdinText(command, quiet) });
    }
    const bytes = simulatePipeline(stages);
    if (bytes === null) return null;
    if (stages.some((s) => DECODING_FILTERS.has(basename(s.argv[0] ?? '')))) trace.decoded = true;
    return bytesToText(bytes);
  }

  private stdinText(command: SimpleCommand, env: ExpandEnv): string | null {
    for (const r of command.redirects) {
      if (r.op === '<<<') return `${expandWord(r.target, env, { split: false }).fields.join(' ')}\n`;
      if ((r.op === '<<' || r.op === '<<-') && r.heredoc !== undefined) return r.heredoc;
    }
    return null;
  }

  private walkSimple(command: SimpleCommand, ctx: Context, sim: { stage: Stage | null }): Produced {
    if (!this.spend()) return { top: [] };
    const trace: ExpansionTrace = { feeds: [], decoded: false };
    const env = this.expandEnv(ctx, trace);
    const assigns = command.assigns.map((a) => {
      const value = expandWord(a.value, env, { split: false }).fields.join(' ');
      return { name: a.name, value: a.append ? (this.state.vars.get(a.name) ?? '') + value : value };
    });
    const { argv, dynamic, programGlob } = expandArguments(command.words, env);
    const redirects = command.redirects.map((r) => ({
      op: r.op,
      target: expandWord(r.target, env, { split: false }).fields.join(' '),
    }));
    const stdinText = this.stdinText(command, env);
    sim.stage = { argv, stdinText };

    if (argv.length === 0) {
      if (command.words.length === 0) for (const a of assigns) this.state.vars.set(a.name, a.value);
      if (assigns.length === 0 && redirects.length === 0) return { top: [] };
      return { top: [this.emit({ argv: [], ctx, wrappers: ctx.wrappers, assigns, redirects, dynamic, trace })] };
    }

    const first = command.words[0]!;
    const aliasName = literalWord(first);
    if (aliasName && this.state.aliases.has(aliasName) && !ctx.aliases.has(aliasName)) {
      const rest = command.words.slice(1).map((w) => w.raw);
      const text = [this.state.aliases.get(aliasName)!, ...rest, ...command.redirects.map(redirectSource)].join(' ');
      return this.analyzeText(text, {
        ...ctx,
        layer: ctx.layer + 1,
        origin: 'alias',
        aliases: new Set([...ctx.aliases, aliasName]),
      });
    }

    if (programGlob) argv[0] = this.resolveProgramGlob(argv[0]!);
    return this.runArgv(argv, ctx, { assigns, redirects, dynamic, trace, stdinText });
  }

  private resolveProgramGlob(pattern: string): string {
    if (!pattern.includes('/')) return pattern;
    const glob = compileGlob(pattern);
    const known = this.options.knownPrograms ?? new Set<string>();
    for (const name of [...SHELLS, ...known, 'sudo', 'su', 'curl', 'wget', 'nc', 'python3']) {
      for (const dir of BIN_DIRS) if (glob.test(`${dir}/${name}`)) return `${dir}/${name}`;
    }
    return pattern;
  }

  /** Unwraps wrappers and runs builtins, shells, interpreters and functions; emits the resulting commands. */
  private runArgv(
    initial: string[],
    ctx: Context,
    extra: {
      assigns: { name: string; value: string }[];
      redirects: { op: string; target: string }[];
      dynamic: boolean;
      trace: ExpansionTrace;
      stdinText: string | null;
    },
  ): Produced {
    let argv = initial;
    let wrappers = ctx.wrappers;
    let runAs = ctx.runAs;
    let elevated = ctx.elevated;
    for (let guard = 0; guard < 16 && argv.length > 0; guard++) {
      const program = basename(argv[0]!);
      const fn = this.state.functions.get(argv[0]!);
      if (fn !== undefined && ctx.functionDepth < 4) {
        return this.analyzeText(fn, {
          ...ctx,
          layer: ctx.layer + 1,
          origin: 'function',
          functionDepth: ctx.functionDepth + 1,
        });
      }
      if (!isWrapper(program)) break;
      const unwrapped = unwrap(program, argv.slice(1))!;
      const next = unwrapped.next;
      if (next.kind === 'stop') break;
      // the wrapper is a process too (Sigma sees `sudo`), but YAML rules only see it when they name it
      this.emit({
        argv,
        ctx: { ...ctx, wrappers, runAs, elevated },
        wrappers,
        assigns: [],
        redirects: [],
        dynamic: extra.dynamic,
        trace: { feeds: [], decoded: false },
        wrapper: true,
      });
      wrappers = [...wrappers, unwrapped.use];
      if (USER_SWITCHERS.has(program) && unwrapped.runAs !== null) {
        runAs = unwrapped.runAs;
        elevated = runAs === 'root';
      }
      const inner: Context = { ...ctx, wrappers, runAs, elevated };
      if (next.kind === 'argv') {
        argv = next.argv;
        continue;
      }
      if (next.kind === 'text') {
        const produced = this.analyzeText(next.text, { ...inner, layer: ctx.layer + 1, origin: `${program} -c` });
        return { top: produced.top };
      }
      const shell = this.emit({
        argv: ['bash'],
        ctx: inner,
        wrappers,
        assigns: extra.assigns,
        redirects: extra.redirects,
        dynamic: extra.dynamic,
        trace: extra.trace,
        implied: describeWrapper(unwrapped.use),
        interactive: true,
      });
      return { top: [shell] };
    }
    const innerCtx: Context = { ...ctx, wrappers, runAs, elevated };
    const cmd = this.emit({
      argv,
      ctx: innerCtx,
      wrappers,
      assigns: extra.assigns,
      redirects: extra.redirects,
      dynamic: extra.dynamic,
      trace: extra.trace,
      stdinText: extra.stdinText,
    });
    this.followCommand(cmd, innerCtx, extra.stdinText, extra.trace);
    return { top: [cmd] };
  }

  /** What a command runs in turn: builtins that change the session, `sh -c`, eval, interpreter one-liners. */
  private followCommand(cmd: AnalysedCommand, ctx: Context, stdinText: string | null, trace: ExpansionTrace): void {
    const args = cmd.argv.slice(1);
    const nested = (origin: string): Context => ({ ...ctx, layer: ctx.layer + 1, origin, stdinFromPipe: false });
    switch (cmd.program) {
      case 'export':
      case 'declare':
      case 'typeset':
      case 'local':
      case 'readonly':
        for (const a of cmd.assigns) this.state.vars.set(a.name, a.value);
        return;
      case 'unset':
        for (const a of args) {
          this.state.vars.delete(a);
          if (cmd.argv.includes('-f')) this.state.functions.delete(a);
        }
        return;
      case 'alias':
        for (const a of args) {
          const eq = a.indexOf('=');
          if (eq > 0) this.state.aliases.set(a.slice(0, eq), a.slice(eq + 1));
        }
        return;
      case 'unalias':
        for (const a of args) this.state.aliases.delete(a);
        return;
      case 'eval':
        this.analyzeText(args.join(' '), nested(trace.decoded ? 'decoded' : 'eval'));
        if (trace.decoded) this.decoded.push(args.join(' '));
        return;
    }
    if (SHELLS.has(cmd.program)) {
      const p = parseOptions(args, { short: 'oO', long: ['rcfile', 'init-file'] });
      const c = p.options.some((o) => o.name === '-c');
      if (c && p.rest[0] !== undefined) {
        const origin = trace.decoded ? 'decoded' : 'sh -c';
        if (trace.decoded) this.decoded.push(p.rest[0]);
        const produced = this.analyzeText(p.rest[0], nested(origin));
        for (const inner of produced.top) inner.pipeFrom = unique([...inner.pipeFrom, ...cmd.pipeFrom]);
      } else if (stdinText !== null && p.rest.length === 0) {
        const origin = trace.decoded ? 'decoded' : 'stdin';
        if (trace.decoded) this.decoded.push(stdinText);
        this.analyzeText(stdinText, nested(origin));
      }
      return;
    }
    const embedded = embeddedCommands(cmd.program, args);
    for (const text of embedded.texts) this.analyzeText(text, nested('embedded'));
    for (const argv of embedded.argvs) {
      if (this.spend())
        this.runArgv(argv, nested('embedded'), {
          assigns: [],
          redirects: [],
          dynamic: false,
          trace: { feeds: [], decoded: false },
          stdinText: null,
        });
    }
    if (embedded.shell) {
      this.emit({
        argv: ['bash'],
        ctx: nested('embedded'),
        wrappers: ctx.wrappers,
        assigns: [],
        redirects: [],
        dynamic: false,
        trace: { feeds: [], decoded: false },
        implied: `${cmd.program} shell escape`,
        interactive: true,
      });
    }
  }

  private emit(input: {
    argv: string[];
    ctx: Context;
    wrappers: WrapperUse[];
    assigns: { name: string; value: string }[];
    redirects: { op: string; target: string }[];
    dynamic: boolean;
    trace: ExpansionTrace;
    implied?: string;
    interactive?: boolean;
    stdinText?: string | null;
    wrapper?: boolean;
  }): AnalysedCommand {
    const { argv, ctx } = input;
    const path = argv[0] ?? '';
    const program = programFamily(basename(path));
    const args = argv.slice(1);
    const assigns = [...input.assigns];
    if (DECLARATION_BUILTINS.has(program)) {
      for (const a of args) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(a);
        if (m) assigns.push({ name: m[1]!, value: m[2]! });
      }
    }
    const embedded = embeddedCommands(program, args);
    const text = argv.join(' ');
    const destinations: Destination[] = commandDestinations(
      program,
      args,
      input.redirects.map((r) => r.target),
      TEXT_ONLY.has(program),
      text,
    );
    if (embedded.code) destinations.push(...destinationsInCode(embedded.code));
    const stdinRedirected = input.redirects.some(
      (r) => r.op === '<' || r.op === '<>' || r.op === '<<<' || r.op === '<<' || r.op === '<<-',
    );
    const interactive =
      input.interactive ??
      (SHELLS.has(program) &&
        !ctx.stdinFromPipe &&
        !stdinRedirected &&
        input.trace.feeds.length === 0 &&
        isInteractiveShellArgs(args));
    const cmd: AnalysedCommand = {
      program,
      path,
      argv,
      wrappers: input.wrappers,
      elevated: ctx.elevated,
      runAs: ctx.runAs,
      interactive,
      implied: input.implied ?? null,
      redirects: input.redirects,
      assigns,
      pipeFrom: input.trace.feeds.length === 0 ? [] : unique(input.trace.feeds.filter(Boolean)),
      pipeTo: [],
      layer: ctx.layer,
      origin: ctx.origin,
      destinations,
      text,
      runsDownloaded: input.wrapper ? null : this.runsDownloaded(program, argv),
      dynamic: input.dynamic,
      wrapper: input.wrapper ?? false,
    };
    if (!input.wrapper) this.recordDownloads(program, args, destinations);
    this.commands.push(cmd);
    return cmd;
  }

  private runsDownloaded(program: string, argv: string[]): string | null {
    if (this.state.downloads.size === 0) return null;
    const candidates = [argv[0] ?? ''];
    if (SHELLS.has(program) || INTERPRETERS.has(program) || program === 'source' || program === '.') {
      const operand = argv.slice(1).find((a) => !a.startsWith('-'));
      if (operand) candidates.push(operand);
    }
    for (const c of candidates) {
      const norm = c.replace(/^\.\//, '');
      if (this.state.downloads.has(norm) || (this.state.downloads.has(basename(norm)) && c.includes('/'))) return c;
    }
    return null;
  }

  private recordDownloads(program: string, args: string[], destinations: Destination[]): void {
    if (program !== 'curl' && program !== 'wget') return;
    const p =
      program === 'curl'
        ? parseOptions(args, {
            short: 'AbcCdDeEFHKmoPQrTtuUwxXyYz',
            long: ['output', 'output-dir'],
            stopAtOperand: false,
          })
        : parseOptions(args, {
            short: 'OoaeiBtTwQPUlARDIX',
            long: ['output-document', 'output-file'],
            stopAtOperand: false,
          });
    const outputs = p.options
      .filter((o) =>
        program === 'curl'
          ? o.name === '-o' || o.name === '--output'
          : o.name === '-O' || o.name === '--output-document',
      )
      .map((o) => o.value)
      .filter((v): v is string => v !== null && v !== '-');
    const remoteName =
      program === 'wget' ? outputs.length === 0 : p.options.some((o) => o.name === '-O' || o.name === '--remote-name');
    if (remoteName) {
      for (const d of destinations) {
        if (!d.url) continue;
        const name = basename(new URL(d.url.replace(/^[a-z0-9+.-]+:/i, 'http:')).pathname);
        if (name) outputs.push(name);
      }
    }
    for (const out of outputs) {
      this.state.addDownload(out.replace(/^\.\//, ''));
      this.state.addDownload(basename(out));
    }
  }
}

/**
 * The argv a simple command's words expand to. Its own function (not part of walkSimple) so that its loop, the hot
 * one on a long pasted command, keeps its optimised code whatever happens to walkSimple's.
 */
function expandArguments(words: Word[], env: ExpandEnv): { argv: string[]; dynamic: boolean; programGlob: boolean } {
  let dynamic = false;
  const argv: string[] = [];
  let programGlob = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const plain = plainLiteral(word); // most words: taken as typed, no expansion work
    if (plain !== null) {
      argv.push(plain);
      continue;
    }
    const expanded = expandWord(word, env);
    if (expanded.dynamic) dynamic = true;
    if (i === 0 && expanded.glob) programGlob = true;
    for (const field of expanded.fields) argv.push(expanded.glob && i > 0 ? resolveSensitiveGlob(field) : field);
  }
  return { argv, dynamic, programGlob };
}

function readsScriptFromStdin(c: AnalysedCommand): boolean {
  if (SHELLS.has(c.program) || c.program === 'source' || c.program === '.') {
    const args = c.argv.slice(1);
    const p = parseOptions(args, { short: 'oO', long: ['rcfile', 'init-file'] });
    if (p.options.some((o) => o.name === '-c')) return false;
    return p.rest.length === 0 || p.rest[0] === '-' || p.rest[0] === '/dev/stdin';
  }
  if (['python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node'].includes(c.program)) {
    const args = c.argv.slice(1);
    return args.length === 0 || args[0] === '-';
  }
  return false;
}

function isInteractiveShellArgs(args: string[]): boolean {
  const p = parseOptions(args, { short: 'oO', long: ['rcfile', 'init-file'] });
  if (p.options.some((o) => o.name === '-c' || o.name === '-s')) return false;
  return p.rest.length === 0;
}

function describeWrapper(use: WrapperUse): string {
  return [use.name, ...use.options].join(' ');
}

function literalWord(word: Word): string | null {
  if (word.parts.length !== 1) return null;
  const part = word.parts[0]!;
  return part.kind === 'lit' && !part.quoted ? part.value : null;
}

function redirectSource(r: Redirect): string {
  return `${r.fd ?? ''}${r.op}${r.target.raw}`;
}

function resolveSensitiveGlob(field: string): string {
  if (!/[*?[]/.test(field) || !field.startsWith('/')) return field;
  const glob = compileGlob(field);
  return SENSITIVE_PATHS.find((p) => glob.test(p)) ?? field;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
