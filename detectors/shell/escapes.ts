/** Backslash-escape decoding as bash does it for `$'…'`, `echo -e` and `printf`. */

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * Decodes backslash escapes. `octalNeedsZero` is echo's rule (`\0NNN`); `$'…'` and printf take `\NNN`.
 * Returns the decoded text and whether a `\c` asked to stop output (echo and printf %b).
 */
function decode(text: string, octalNeedsZero: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i]!;
    if (n in SIMPLE) {
      out += SIMPLE[n];
    } else if (n === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3))?.[0];
      if (hex) {
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += hex.length;
      } else out += '\\x';
    } else if (n === 'u' || n === 'U') {
      const hex = /^[0-9a-fA-F]{1,8}/.exec(text.slice(i + 1, i + (n === 'u' ? 5 : 9)))?.[0];
      const code = hex ? Number.parseInt(hex, 16) : Number.NaN;
      if (hex && code <= 0x10ffff) {
        out += String.fromCodePoint(code);
        i += hex.length;
      } else out += `\\${n}`;
    } else if (/[0-7]/.test(n) && !(octalNeedsZero && n !== '0')) {
      const digits =
        /^[0-7]{1,3}/.exec(text.slice(octalNeedsZero ? i + 1 : i, (octalNeedsZero ? i + 1 : i) + 3))?.[0] ?? '';
      out += String.fromCharCode(Number.parseInt(digits || '0', 8) & 0xff);
      i += octalNeedsZero ? digits.length : digits.length - 1;
    } else if (n === 'c') {
      if (!octalNeedsZero) {
        // $'\cX' is a control character
        const x = text[i + 1];
        if (x) {
          out += String.fromCharCode(x.toUpperCase().charCodeAt(0) & 0x1f);
          i++;
        }
        continue;
      }
      return { text: out, stop: true };
    } else out += `\\${n}`;
  }
  return { text: out, stop: false };
}

export function decodeAnsiC(text: string): string {
  return decode(text, false).text;
}

export function decodeEchoEscapes(text: string): { text: string; stop: boolean } {
  return decode(text, true);
}

/** A small printf(1): %s %b %c %d %i %u %x %o %%, with the format reused while arguments remain. */
export function formatPrintf(format: string, args: string[]): string {
  let out = '';
  let argIndex = 0;
  for (let round = 0; round < 64; round++) {
    let consumed = false;
    const rendered = format.replace(
      /%([-+ #0]{0,5})(\d{0,4})(?:\.(\d{0,4}))?([sbcdiuxXo%])/g,
      (_m, _flags, _width, precision: string | undefined, conv: string) => {
        if (conv === '%') return '%';
        const arg = args[argIndex] ?? '';
        if (argIndex < args.length) consumed = true;
        argIndex++;
        switch (conv) {
          case 's':
            return precision !== undefined ? arg.slice(0, Number(precision || 0)) : arg;
          case 'b':
            return decodeEchoEscapes(arg).text;
          case 'c':
            return arg.slice(0, 1);
          case 'x':
          case 'X':
          case 'o': {
            const n = Number.parseInt(arg || '0', 10);
            return Number.isFinite(n) ? n.toString(conv === 'o' ? 8 : 16) : '0';
          }
          default: {
            const n = /^'./.test(arg) ? arg.charCodeAt(1) : Number.parseInt(arg || '0', 10);
            return Number.isFinite(n) ? String(n) : '0';
          }
        }
      },
    );
    out += decode(rendered, false).text;
    if (!consumed || argIndex >= args.length) break;
  }
  return out;
}
