/**
 * Static evaluation of the data a pipeline produces, for decode-and-run chains such as
 * `echo <base64> | base64 -d | sh` or `bash -c "$(echo … | rev)"`. Only producers and filters whose output is
 * fully determined by their arguments are evaluated; anything else makes the result unknown (null).
 * Values travel as byte strings (one char per byte) and are read back as UTF-8 at the end.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeEchoEscapes, formatPrintf } from '../shell/escapes.js';
import { parseOptions } from './options.js';
import { basename } from './programs.js';

const MAX_OUTPUT = 65_536;

export interface Stage {
  argv: string[];
  /** Text given on stdin by a here-string or here-document (as typed, not as bytes). */
  stdinText: string | null;
}

const toBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
export const bytesToText = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');

function echo(args: string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const c of args[i]!.slice(1)) {
      if (c === 'n') newline = false;
      else if (c === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) {
    const d = decodeEchoEscapes(text);
    text = d.text;
    if (d.stop) newline = false;
  }
  return toBytes(text + (newline ? '\n' : ''));
}

function base64Decode(input: string): string {
  return Buffer.from(input.replace(/[^A-Za-z0-9+/=_-]/g, ''), 'base64').toString('latin1');
}

function base32Decode(input: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const c of input.toUpperCase().replace(/[^A-Z2-7]/g, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out += String.fromCharCode((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

function hexDecode(input: string): string {
  const hex = input.replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(hex.length % 2 ? hex.slice(0, -1) : hex, 'hex').toString('latin1');
}

function expandTrSet(set: string): string {
  let out = '';
  for (let i = 0; i < set.length; i++) {
    if (set[i + 1] === '-' && i + 2 < set.length) {
      const from = set.charCodeAt(i);
      const to = set.charCodeAt(i + 2);
      for (let c = from; c <= to && out.length < 512; c++) out += String.fromCharCode(c);
      i += 2;
    } else out += set[i];
  }
  return out;
}

function tr(args: string[], input: string): string | null {
  const p = parseOptions(args, { stopAtOperand: false });
  if (p.options.some((o) => o.name !== '-d')) return null;
  const set1 = expandTrSet(p.operands[0] ?? '');
  if (p.options.some((o) => o.name === '-d')) return [...input].filter((c) => !set1.includes(c)).join('');
  const set2 = expandTrSet(p.operands[1] ?? '');
  if (!set2) return null;
  return [...input]
    .map((c) => {
      const i = set1.indexOf(c);
      return i === -1 ? c : (set2[Math.min(i, set2.length - 1)] ?? c);
    })
    .join('');
}

/** Output of one stage given its input, or null when it cannot be computed. */
function runStage(stage: Stage, input: string | null): string | null {
  const [cmd, ...args] = stage.argv;
  if (!cmd) return null;
  const program = basename(cmd);
  const stdin = stage.stdinText !== null ? toBytes(stage.stdinText) : input;
  const fileOperands = (p: ReturnType<typeof parseOptions>) => p.operands.filter((o) => o !== '-');
  switch (program) {
    case 'echo':
      return echo(args);
    case 'printf':
      if (args[0] === '-v' || args.length === 0) return null;
      return toBytes(formatPrintf(args[0]!, args.slice(1)));
    case 'cat':
    case 'tee':
      return args.filter((a) => a !== '-' && !a.startsWith('-')).length === 0 || program === 'tee' ? stdin : null;
    case 'base64':
    case 'base32': {
      const p = parseOptions(args, { short: 'w', long: ['wrap'], stopAtOperand: false });
      if (fileOperands(p).length > 0 || stdin === null) return null;
      const decode = p.options.some((o) => o.name === '-d' || o.name === '--decode' || o.name === '-D');
      if (!decode) return program === 'base64' ? Buffer.from(stdin, 'latin1').toString('base64') : null;
      return program === 'base64' ? base64Decode(stdin) : base32Decode(stdin);
    }
    case 'xxd': {
      const p = parseOptions(args, { short: 'cgls', stopAtOperand: false });
      const reverse = p.options.some((o) => o.name === '-r');
      const plain = p.options.some((o) => o.name === '-p' || o.name === '-ps' || o.name === '--plain');
      if (!reverse || !plain || fileOperands(p).length > 0 || stdin === null) return null;
      return hexDecode(stdin);
    }
    case 'rev':
      return stdin === null || args.length > 0
        ? null
        : stdin
            .split('\n')
            .map((l) => [...l].reverse().join(''))
            .join('\n');
    case 'tac':
      return stdin === null || args.length > 0
        ? null
        : `${stdin.replace(/\n$/, '').split('\n').reverse().join('\n')}\n`;
    case 'tr':
      return stdin === null ? null : tr(args, stdin);
    case 'openssl': {
      const isBase64 = args[0] === 'base64' || (args[0] === 'enc' && args.includes('-base64')) || args.includes('-a');
      if (!isBase64 || !args.includes('-d') || args.includes('-in') || stdin === null) return null;
      return base64Decode(stdin);
    }
    case 'gunzip':
    case 'zcat':
    case 'gzip': {
      if (stdin === null || (program === 'gzip' && !args.some((a) => /^-[a-z]*d/.test(a) || a === '--decompress')))
        return null;
      try {
        return gunzipSync(Buffer.from(stdin, 'latin1'), { maxOutputLength: MAX_OUTPUT }).toString('latin1');
      } catch {
        return null;
      }
    }
    case 'zlib-flate':
      try {
        return stdin === null
          ? null
          : inflateSync(Buffer.from(stdin, 'latin1'), { maxOutputLength: MAX_OUTPUT }).toString('latin1');
      } catch {
        return null;
      }
    default:
      return null;
  }
}

/** The bytes a sequence of pipeline stages writes, or null when any stage is not computable. */
export function simulatePipeline(stages: Stage[]): string | null {
  let data: string | null = null;
  for (const stage of stages) {
    data = runStage(stage, data);
    if (data === null) return null;
    if (data.length > MAX_OUTPUT) data = data.slice(0, MAX_OUTPUT);
  }
  return data;
}

/** Programs the simulation understands: a pipeline made only of these may be evaluated. */
export const DECODER_PROGRAMS = new Set([
  'echo',
  'printf',
  'cat',
  'tee',
  'base64',
  'base32',
  'xxd',
  'rev',
  'tac',
  'tr',
  'openssl',
  'gunzip',
  'zcat',
  'gzip',
  'zlib-flate',
]);

/** Decoding filters: a chain through one of these into a shell is obfuscated execution. */
export const DECODING_FILTERS = new Set([
  'base64',
  'base32',
  'xxd',
  'rev',
  'tac',
  'tr',
  'openssl',
  'gunzip',
  'zcat',
  'gzip',
  'zlib-flate',
]);
