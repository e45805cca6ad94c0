/** All loaded IOC sets, by name. Several files may feed the same set name (e.g. an updated `mining-pools` list). */
import type { Destination } from '../analyze/types.js';
import { type IocMatch, type IocSet, normaliseUrl } from './ioc-set.js';

/** `true`: every threat-intelligence set; or the names of the sets to consult. */
export type IocSelector = true | readonly string[];

export class IocRegistry {
  private readonly sets: IocSet[] = [];
  /** The sets each selector (a rule's `ioc:` value) consults, worked out once. */
  private readonly selections = new Map<IocSelector, IocSet[]>();

  add(set: IocSet): void {
    this.sets.push(set);
    this.selections.clear();
  }

  get names(): string[] {
    return [...new Set(this.sets.map((s) => s.name))];
  }

  get size(): number {
    return this.sets.reduce((n, s) => n + s.size, 0);
  }

  private selected(selector: IocSelector): IocSet[] {
    let sets = this.selections.get(selector);
    if (!sets) {
      sets =
        selector === true
          ? this.sets.filter((s) => s.purpose === 'intel')
          : this.sets.filter((s) => selector.includes(s.name));
      this.selections.set(selector, sets);
    }
    return sets;
  }

  lookup(destination: Destination, selector: IocSelector): IocMatch | null {
    let url: string | null | undefined; // normalised once, and only if a set holds URLs
    for (const set of this.selected(selector)) {
      let hit: IocMatch | null = null;
      if (destination.url && set.hasUrls) {
        url ??= normaliseUrl(destination.url);
        hit = url === null ? null : set.lookupNormalisedUrl(url);
      }
      hit ??= set.lookupHost(destination.host, destination.kind);
      if (hit) return hit;
    }
    return null;
  }
}
