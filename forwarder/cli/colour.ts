import type { Severity } from '../../detectors/model.js';
import type { CliIo } from './io.js';

/** Colour only for a person at a terminal: never when NO_COLOR is set (no-color.org), --no-color, or piped. */
export function colourEnabled(io: Pick<CliIo, 'stdout' | 'env'>, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdout.isTTY === true;
}

export interface Palette {
  severity(severity: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
  pass(text: string): string;
  fail(text: string): string;
}

const sgr = (open: string) => (text: string) => `\x1b[${open}m${text}\x1b[0m`;

const SEVERITY_SGR: Record<Severity, string> = {
  critical: '1;97;41',
  high: '1;31',
  medium: '33',
  low: '36',
  info: '2',
};

const same = (text: string) => text;
const PLAIN: Palette = { severity: (_s, t) => t, bold: same, dim: same, pass: same, fail: same };

const ANSI: Palette = {
  severity: (s, t) => sgr(SEVERITY_SGR[s])(t),
  bold: sgr('1'),
  dim: sgr('2'),
  pass: sgr('32'),
  fail: sgr('1;31'),
};

export const palette = (enabled: boolean): Palette => (enabled ? ANSI : PLAIN);
