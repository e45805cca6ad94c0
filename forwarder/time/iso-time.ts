/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: outside them toISOString writes six-digit years. */
const FIRST = -62_167_219_200_000;
const LAST = 253_402_300_799_999;
const DAY = 86_400_000;

let lastMs = Number.NaN;
let lastText = '';

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()`, the same text (and the same RangeError for an invalid time), without a Date: V8's
 * toISOString costs about a microsecond, paid per event and per command on the streaming path. The last answer is
 * kept, since the events of one delivery mostly share their second.
 */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  const t = Math.trunc(ms);
  if (!(t >= FIRST && t <= LAST)) return new Date(ms).toISOString();
  // days since 1970 to a civil date (H. Hinnant, "chrono-compatible low-level date algorithms")
  const days = Math.floor(t / DAY);
  const inDay = t - days * DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const text =
    `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(Math.floor(inDay / 3_600_000))}:` +
    `${two(Math.floor(inDay / 60_000) % 60)}:${two(Math.floor(inDay / 1000) % 60)}.${three(inDay % 1000)}Z`;
  lastMs = ms;
  lastText = text;
  return text;
}
