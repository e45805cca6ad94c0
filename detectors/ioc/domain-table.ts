/**
 * A hash set of domain names built for label-suffix lookups. The two 32-bit hashes of every label suffix of a host
 * are computed in one right-to-left pass; each probe touches one word of a small filter (which answers most misses)
 * and, past it, a run of adjacent slots of a typed array. A lookup therefore costs about the same with a thousand or a
 * million domains (see docs/detection.md).
 *
 * Names are identified by their 64-bit hash pair rather than stored: two different names collide with probability
 * about 2^-64 per pair, far below any other source of error, and a million names take 8 MB (a table 7/8 full at most)
 * instead of ~100 MB.
 */

const EMPTY = 0;
const SLOT = 2; // primary hash (never 0), secondary hash
/** The table grows past 7/8 full: a hit then reads about 4 adjacent slots, and misses rarely get past the filter. */
const MAX_LOAD_EIGHTHS = 7;
/** Filter bits per slot (at least 18 a name), capped at 2^25 bits (4 MB). */
const FILTER_BITS_PER_SLOT = 16;
const MAX_FILTER_BITS = 2 ** 25;

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The two filter bits of a name, in one 32-bit word (chosen by the secondary hash's bits above these). */
function filterBits(secondary: number): number {
  return (1 << (secondary & 31)) | (1 << ((secondary >>> 5) & 31));
}

export class DomainTable {
  private slots = new Int32Array(1024 * SLOT);
  private mask = 1023;
  private count = 0;
  /** Two bits a name, from the secondary hash: it stays in cache and answers most misses without the slots. */
  private filter = new Uint32Array((1024 * FILTER_BITS_PER_SLOT) / 32);
  private filterWordMask = this.filter.length - 1;

  get size(): number {
    return this.count;
  }

  /** Hashes of the whole name: FNV-1a from the last character, and a second multiply-xor hash. */
  private static hashes(name: string): [number, number] {
    let a = 2166136261 | 0;
    let b = 0x9747b28c | 0;
    for (let i = name.length - 1; i >= 0; i--) {
      const c = name.charCodeAt(i);
      a = Math.imul(a ^ c, 16777619);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    const primary = finish(a);
    return [primary === EMPTY ? 1 : primary, finish(b)];
  }

  private find(primary: number, secondary: number): boolean {
    const bits = filterBits(secondary);
    if ((this.filter[(secondary >>> 10) & this.filterWordMask]! & bits) !== bits) return false;
    let slot = primary & this.mask;
    for (;;) {
      const base = slot * SLOT;
      const h = this.slots[base]!;
      if (h === EMPTY) return false;
      if (h === primary && this.slots[base + 1] === secondary) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  has(name: string): boolean {
    const [p, s] = DomainTable.hashes(name);
    return this.find(p, s);
  }

  add(name: string): boolean {
    const [p, s] = DomainTable.hashes(name);
    if (this.find(p, s)) return false;
    if ((this.count + 1) * 8 > (this.mask + 1) * MAX_LOAD_EIGHTHS) this.grow();
    this.insert(p, s);
    this.count++;
    return true;
  }

  private insert(primary: number, secondary: number): void {
    let slot = primary & this.mask;
    while (this.slots[slot * SLOT] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot * SLOT] = primary;
    this.slots[slot * SLOT + 1] = secondary;
    this.filter[(secondary >>> 10) & this.filterWordMask]! |= filterBits(secondary);
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * SLOT);
    const bits = Math.min((this.mask + 1) * FILTER_BITS_PER_SLOT, MAX_FILTER_BITS);
    this.filter = new Uint32Array(bits / 32);
    this.filterWordMask = this.filter.length - 1;
    for (let i = 0; i < old.length; i += SLOT) if (old[i] !== EMPTY) this.insert(old[i]!, old[i + 1]!);
  }

  /**
   * The most specific stored domain that `host` equals or is a subdomain of. `labelMask` has bit n set when some
   * stored domain has n labels (bit 31: 31 or more); suffixes of other lengths are not probed, nor labels past the
   * longest stored domain.
   */
  matchSuffix(host: string, labelMask: number): string | null {
    if (host.length === 0 || labelMask === 0) return null;
    const maxLabels = 31 - Math.clz32(labelMask);
    let a = 2166136261 | 0;
    let b = 0x9747b28c | 0;
    let labels = 0;
    let best = -1;
    // right to left: a dot (or the start) completes the hashes of one more suffix; the last hit is the most specific
    for (let i = host.length - 1; i >= -1; i--) {
      const c = i < 0 ? 46 : host.charCodeAt(i);
      if (c === 46) {
        labels++;
        if (labelMask & (1 << Math.min(labels, 31))) {
          const primary = finish(a);
          if (this.find(primary === EMPTY ? 1 : primary, finish(b))) best = i + 1;
        }
        if (labels >= maxLabels && maxLabels < 31) break;
      }
      a = Math.imul(a ^ c, 16777619);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    return best === -1 ? null : host.slice(best);
  }
}
