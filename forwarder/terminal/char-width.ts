import { eastAsianWidth } from 'get-east-asian-width';

const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf}|[\u1160-\u11ff]|[\ufe00-\ufe0f])$/u;

/**
 * Columns a code point takes on the terminal, as glibc's wcwidth (which readline uses) counts them:
 * 0 for combining marks and format characters, 2 for East Asian wide and fullwidth, 1 otherwise.
 */
export function charWidth(codePoint: number): 0 | 1 | 2 {
  if (codePoint < 0x300) return 1;
  if (ZERO_WIDTH.test(String.fromCodePoint(codePoint))) return 0;
  return eastAsianWidth(codePoint, { ambiguousAsWide: false });
}
