/** All loaded IOC sets, by name. Several files may feed the same set name (e.g. an updated `mining-pools` list). */
import type { Destination } from '../analyze/types.js';
import type { IocMatch, IocSet } from './ioc-set.js';

/** `true`: every threat-intelligence set; or the names of the sets to consult. */
export type IocSelector = true | readonly string[];

export class IocRegistry {
  private readonly sets: IocSet[] = [];

  add(set: IocSet): void {
    this.sets.push(set);
  }

  get names(): string[] {
    return [...new Set(this.sets.map((s) => s.name))];
  }

  get size(): number {
    return this.sets.reduce((n, s) => n + s.size, 0);
  }

  private selected(selector: IocSelector): IocSet[] {
    return selector === true
      ? this.sets.filter((s) => s.purpose === 'intel')
      : this.sets.filter((s) => selector.includes(s.name));
  }

  lookup(destination: Destination, selector: IocSelector): IocMatch | null {
    for (const set of this.selected(selector)) {
      const hit =
        (destination.url && set.lookupUrl(destination.url)) || set.lookupHost(destination.host, destination.kind);
      if (hit) return hit;
    }
    return null;
  }
}
