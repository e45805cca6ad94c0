/**
 * A hash set of non-negative integers below 2^40 (IPv4 addresses and prefix-tagged networks) in one Float64Array:
 * a probe touches one slot, so lookups cost the same however many addresses the set holds.
 */
export class NumberTable {
  /** value + 1 per slot; 0 marks an empty slot. */
  private slots = new Float64Array(1024);
  private mask = 1023;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private static hash(value: number): number {
    const lo = (value % 4294967296) | 0;
    const hi = Math.floor(value / 4294967296) | 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    return Math.imul(h, 0xc2b2ae35) ^ (h >>> 16);
  }

  has(value: number): boolean {
    const stored = value + 1;
    let slot = NumberTable.hash(value) & this.mask;
    for (;;) {
      const s = this.slots[slot]!;
      if (s === 0) return false;
      if (s === stored) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  add(value: number): boolean {
    if (this.has(value)) return false;
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.insert(value + 1);
    this.count++;
    return true;
  }

  private insert(stored: number): void {
    let slot = NumberTable.hash(stored - 1) & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = stored;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const s of old) if (s !== 0) this.insert(s);
  }
}
