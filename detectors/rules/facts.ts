/**
 * What rules ask of one analysed command (its arguments lowercased, the arguments that can be options, its operands,
 * the files it writes or names), worked out on first use and shared by every rule that runs on the command.
 */
import type { AnalysedCommand } from '../analyze/types.js';

const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

/**
 * Cheap properties of a command that a rule can require (see requirements.ts); the engine indexes rules by them so
 * that a command meets only the rules it can match. Each is one bit of a mask.
 */
export const Facet = {
  destination: 1 << 0,
  /** The command writes a file: a redirection, `tee`, `cp`'s destination, `sed -i`, … (see writtenFiles). */
  writes: 1 << 1,
  /** At least one argument. */
  args: 1 << 2,
  /** An argument or a redirection: something that can name a file. */
  namesFiles: 1 << 3,
  assigns: 1 << 4,
  pipeFrom: 1 << 5,
  pipeTo: 1 << 6,
  runsDownloaded: 1 << 7,
  decoded: 1 << 8,
  elevated: 1 << 9,
  interactive: 1 << 10,
} as const;

function isFlag(arg: string): boolean {
  return arg.length > 1 && arg.charCodeAt(0) === 45 /* - */ && !/^-\d+$/.test(arg);
}

/** The letters of a short-option bundle (`-xzf`: `xzf`), else ''. */
function bundleLetters(arg: string): string {
  if (arg.charCodeAt(0) !== 45 || arg.charCodeAt(1) === 45) return '';
  let end = 1;
  while (end < arg.length && isAsciiLetter(arg.charCodeAt(end))) end++;
  return arg.slice(1, end);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The facts made last, kept on purpose: while one instance is alive, the hidden class all CommandFacts share survives
 * garbage collection, and so does the optimised rule code built for it. (When a major GC finds no instance left, V8
 * drops the shape and deoptimises that code: after every full GC, each rule closure was compiled again.)
 */
const kept: { last: CommandFacts | null } = { last: null };

export class CommandFacts {
  private argsCache?: string[];
  private lowerArgsCache?: string[];
  private dashCache?: string[];
  private longestCache?: number;
  private lowerDashCache?: string[];
  private bundleCache?: string[];
  private operandsCache?: string[];
  private writtenCache?: string[];
  private namedCache?: string[];
  private lowerTextCache?: string;
  private absent?: Set<string>;
  private present?: Set<string>;

  constructor(readonly cmd: AnalysedCommand) {
    kept.last = this;
  }

  /** argv without the program. */
  get args(): readonly string[] {
    this.argsCache ??= this.cmd.argv.slice(1);
    return this.argsCache;
  }

  get lowerArgs(): readonly string[] {
    this.lowerArgsCache ??= this.args.map((a) => a.toLowerCase());
    return this.lowerArgsCache;
  }

  /** The arguments that start with `-`: the only ones an option such as `-x` can be. */
  get dashArgs(): readonly string[] {
    this.dashCache ??= this.args.filter((a) => a.charCodeAt(0) === 45);
    return this.dashCache;
  }

  /** Length of the longest argument. */
  get longestArg(): number {
    if (this.longestCache === undefined) {
      let longest = 0;
      for (const a of this.args) if (a.length > longest) longest = a.length;
      this.longestCache = longest;
    }
    return this.longestCache;
  }

  /** For each entry of `dashArgs`, the argument lowercased. */
  get lowerDashArgs(): readonly string[] {
    this.lowerDashCache ??= this.dashArgs.map((a) => a.toLowerCase());
    return this.lowerDashCache;
  }

  /** For each entry of `dashArgs`, the letters of its short-option bundle (`-xzf`: `xzf`), else ''. */
  get bundles(): readonly string[] {
    this.bundleCache ??= this.dashArgs.map(bundleLetters);
    return this.bundleCache;
  }

  /** Arguments that are not options. */
  get operands(): readonly string[] {
    this.operandsCache ??= this.args.filter((a) => !isFlag(a));
    return this.operandsCache;
  }

  /** The first operand, found without listing them all. */
  get firstOperand(): string | undefined {
    if (this.operandsCache) return this.operandsCache[0];
    for (const a of this.args) if (!isFlag(a)) return a;
    return undefined;
  }

  /** Files the command writes: redirections, tee, dd of=, the destination of cp/mv/install/ln, sed -i, truncate. */
  get written(): readonly string[] {
    this.writtenCache ??= this.listWritten();
    return this.writtenCache;
  }

  /** Every path the command names: operands, option values like `if=`, redirection targets. */
  get named(): readonly string[] {
    this.namedCache ??= this.listNamed();
    return this.namedCache;
  }

  /**
   * Whether some argument or redirection target may contain `needle` (a character): when not, no argument, operand,
   * written or named file does. One search of the command's text answers for all of them.
   */
  mayContain(needle: string): boolean {
    if (this.present?.has(needle)) return true;
    if (this.absent?.has(needle)) return false;
    const found = this.cmd.text.includes(needle) || this.cmd.redirects.some((r) => r.target.includes(needle));
    if (found) {
      this.present ??= new Set();
      this.present.add(needle);
    } else {
      this.absent ??= new Set();
      this.absent.add(needle);
    }
    return found;
  }

  get lowerText(): string {
    this.lowerTextCache ??= this.cmd.text.toLowerCase();
    return this.lowerTextCache;
  }

  /** The facets in `wanted` that this command shows. */
  facets(wanted: number): number {
    const c = this.cmd;
    let mask = 0;
    if (c.destinations.length > 0) mask |= Facet.destination;
    if (c.argv.length > 1) mask |= Facet.args | Facet.namesFiles;
    else if (c.redirects.length > 0) mask |= Facet.namesFiles;
    if (c.assigns.length > 0) mask |= Facet.assigns;
    if (c.pipeFrom.length > 0) mask |= Facet.pipeFrom;
    if (c.pipeTo.length > 0) mask |= Facet.pipeTo;
    if (c.runsDownloaded !== null) mask |= Facet.runsDownloaded;
    if (c.origin === 'decoded') mask |= Facet.decoded;
    if (c.elevated) mask |= Facet.elevated;
    if (c.interactive) mask |= Facet.interactive;
    if (wanted & Facet.writes && this.written.length > 0) mask |= Facet.writes;
    return mask & wanted;
  }

  private listWritten(): string[] {
    const cmd = this.cmd;
    const out: string[] = [];
    for (const r of cmd.redirects) if (WRITE_OPS.has(r.op)) out.push(r.target);
    switch (cmd.program) {
      case 'tee':
      case 'truncate':
      case 'shred':
      case 'touch':
        out.push(...this.operands);
        break;
      case 'cp':
      case 'mv':
      case 'install':
      case 'ln':
      case 'rsync': {
        const ops = this.operands;
        if (ops.length >= 2) out.push(ops[ops.length - 1]!);
        break;
      }
      case 'sed':
      case 'perl':
        if (cmd.argv.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith('--in-place')))
          out.push(...this.operands.slice(1));
        break;
      case 'dd':
        for (const a of this.operands) if (a.startsWith('of=')) out.push(a.slice(3));
        break;
    }
    return out;
  }

  private listNamed(): string[] {
    const out = [...this.operands];
    for (const r of this.cmd.redirects) out.push(r.target);
    out.push(...this.written);
    for (const a of this.args) {
      const eq = a.indexOf('=');
      if (eq > 0 && a.charCodeAt(eq + 1) === 47 /* / */) out.push(a.slice(eq + 1));
    }
    return out;
  }
}
