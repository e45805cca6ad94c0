/** getopt-style option scanning, enough to find where a wrapper's own options end and the wrapped command begins. */

export interface OptionSpec {
  /** Short options that take a value (`u` for `-u root`, `-uroot`). */
  short?: string;
  /** Long options that take a value (`user` for `--user root`, `--user=root`). */
  long?: string[];
  /** Stop at the first operand (true for wrappers: the operand is the command). Default true. */
  stopAtOperand?: boolean;
}

export interface ParsedOptions {
  /** Options in the order given, normalised to `-x` or `--name`, with their values. */
  options: { name: string; value: string | null }[];
  /** Everything after the options (from the first operand, or after `--`). */
  rest: string[];
  /** Operands met when stopAtOperand is false. */
  operands: string[];
}

export function parseOptions(args: string[], spec: OptionSpec): ParsedOptions {
  const short = spec.short ?? '';
  const long = spec.long ?? [];
  const stop = spec.stopAtOperand ?? true;
  const options: ParsedOptions['options'] = [];
  const operands: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (eq !== -1) options.push({ name: `--${name}`, value: a.slice(eq + 1) });
      else if (long.includes(name)) options.push({ name: `--${name}`, value: args[++i] ?? null });
      else options.push({ name: `--${name}`, value: null });
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (short.includes(c)) {
          const inline = a.slice(j + 1);
          options.push({ name: `-${c}`, value: inline !== '' ? inline : (args[++i] ?? null) });
          break;
        }
        options.push({ name: `-${c}`, value: null });
      }
      continue;
    }
    if (stop) break;
    operands.push(a);
  }
  const rest = args.slice(i);
  if (!stop) operands.push(...rest);
  return { options, rest: stop ? rest : [], operands };
}

export function hasOption(parsed: ParsedOptions, ...names: string[]): boolean {
  return parsed.options.some((o) => names.includes(o.name));
}

export function optionValue(parsed: ParsedOptions, ...names: string[]): string | null {
  for (let i = parsed.options.length - 1; i >= 0; i--) {
    const o = parsed.options[i]!;
    if (names.includes(o.name)) return o.value;
  }
  return null;
}
