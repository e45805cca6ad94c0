/**
 * A hash set of domain names built for label-suffix lookups. The two 32-bit hashes of every label suffix of a host
 * are computed in one right-to-left pass; each probe touches a small in-cache filter and one slot of a typed array.
 * A lookup therefore costs about the same with a thousand or a million domains (see docs/detection.md).
 *
 * Names are identified by their 64-bit hash pair rather than stored: two different names collide with probability
 * about 2^-64 per pair, far below any other source of error, and a million names take 16 MB instead of ~100 MB.
 */

const EMPTY = 0;
const SLOT = 2; // primary hash (never 0), secondary hash

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class DomainTable {
  private slots = new Int32Array(1024 * SLOT);
  private mask = 1023;
  private count = 0;
  /** Bits set from the secondary hash: it stays in cache and answers most misses without touching the slots. */
  private filter = new Uint32Array(256);
  private filterMask = 256 * 32 - 1;

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

  private filterBit(secondary: number): number {
    return secondary & this.filterMask;
  }

  private find(primary: number, secondary: number): boolean {
    const bit = this.filterBit(secondary);
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
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
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.insert(p, s);
    this.count++;
    return true;
  }

  private insert(primary: number, secondary: number): void {
    let slot = primary & this.mask;
    while (this.slots[slot * SLOT] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot * SLOT] = primary;
    this.slots[slot * SLOT + 1] = secondary;
    const bit = this.filterBit(secondary);
    this.filter[bit >>> 5]! |= 1 << (bit & 31);
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * SLOT);
    // 8 filter bits per slot (at least 16 per name), capped at 2^25 bits (4 MB)
    const bits = Math.min((this.mask + 1) * 8, 2 ** 25);
    this.filter = new Uint32Array(bits / 32);
    this.filterMask = bits - 1;
    for (let i = 0; i < old.length; i += SLOT) if (old[i] !== EMPTY) this.insert(old[i]!, old[i + 1]!);
  }

  /**
   * The most specific stored domain that `host` equals or is a subdomain of. `labelMask` has bit n set when some
   * stored domain has n labels; suffixes of other lengths are not probed.
   */
  matchSuffix(host: string, labelMask: number): string | null {
    let a = 2166136261 | 0;
    let b = 0x9747b28c | 0;
    let labels = 0;
    let best = -1;
    // right to left: each label boundary completes the hashes of one more suffix; the last hit is the most specific
    for (let i = host.length - 1; i >= 0; i--) {
      const c = host.charCodeAt(i);
      a = Math.imul(a ^ c, 16777619);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
      if (i === 0 || host.charCodeAt(i - 1) === 46) {
        labels++;
        if (labelMask & (1 << Math.min(labels, 31))) {
          const primary = finish(a);
          if (this.find(primary === EMPTY ? 1 : primary, finish(b))) best = i;
        }
      }
    }
    return best === -1 ? null : host.slice(best);
  }
}
