/**
 * A set of indicators with lookups whose cost does not depend on the number of indicators:
 * domains by label suffix (`a.b.evil.com` checks `a.b.evil.com`, `b.evil.com`, `evil.com`, `com`: one hash lookup per
 * label), IPv4 exact and CIDR (one hash lookup per distinct prefix length, at most 33), IPv6 likewise (at most 129),
 * URLs exactly after normalisation.
 */
import { normaliseHost } from '../analyze/network.js';
import { DomainTable } from './domain-table.js';
import { NumberTable } from './number-table.js';

export interface IocMatch {
  set: string;
  indicator: string;
  kind: 'domain' | 'ipv4' | 'ipv6' | 'url';
}

export class IocSet {
  private readonly domains = new DomainTable();
  /** Bit n set: some domain in the set has n labels. Lookups probe only suffixes of those lengths. */
  private labelCounts = 0;
  /** IPv4 addresses and networks, keyed prefix × 2^32 + network; one probe per prefix length in use. */
  private readonly ipv4 = new NumberTable();
  private ipv4Prefixes: number[] = [];
  private readonly ipv6Nets = new Map<number, Set<string>>();
  private readonly urls = new Set<string>();
  private count = 0;

  constructor(
    readonly name: string,
    /** `intel` sets are threat intelligence (ioc-contact); `reference` sets serve specific rules (mining pools). */
    readonly purpose: 'intel' | 'reference' = 'intel',
  ) {}

  get size(): number {
    return this.count;
  }

  addDomain(domain: string): boolean {
    const norm = normaliseHost(domain);
    if (!norm) return false;
    if (norm.kind === 'ipv4') return this.addIp(norm.host);
    if (norm.kind === 'ipv6') return this.addIp(norm.host);
    if (!norm.host.includes('.')) return false;
    if (this.domains.add(norm.host)) {
      this.labelCounts |= 1 << Math.min(labelCount(norm.host), 31);
      this.count++;
    }
    return true;
  }

  /** An address or a CIDR range, IPv4 or IPv6. */
  addIp(text: string): boolean {
    const [addr, prefixText] = text.split('/');
    if (!addr) return false;
    const norm = normaliseHost(addr);
    if (!norm || norm.kind === 'domain') return false;
    if (norm.kind === 'ipv4') {
      const prefix = prefixText === undefined ? 32 : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
      const value = ipv4ToNumber(norm.host);
      if (!this.ipv4.add(prefix * 4294967296 + maskIpv4(value, prefix))) return true;
      if (!this.ipv4Prefixes.includes(prefix)) this.ipv4Prefixes = [...this.ipv4Prefixes, prefix].sort((a, b) => b - a);
    } else {
      const prefix = prefixText === undefined ? 128 : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return false;
      const nets = this.ipv6Nets.get(prefix) ?? new Set<string>();
      this.ipv6Nets.set(prefix, nets);
      nets.add(maskIpv6(norm.host, prefix));
    }
    this.count++;
    return true;
  }

  addUrl(url: string): boolean {
    const norm = normaliseUrl(url);
    if (!norm) return false;
    if (!this.urls.has(norm)) {
      this.urls.add(norm);
      this.count++;
    }
    return true;
  }

  /** Looks up a normalised host (as produced by the analysis): domain by label suffix, IP exact or by range. */
  lookupHost(host: string, kind: 'domain' | 'ipv4' | 'ipv6'): IocMatch | null {
    if (kind === 'domain') {
      if (this.labelCounts === 0) return null;
      const indicator = this.domains.matchSuffix(host, this.labelCounts);
      return indicator === null ? null : { set: this.name, indicator, kind: 'domain' };
    }
    if (kind === 'ipv4') {
      const value = ipv4ToNumber(host);
      for (const prefix of this.ipv4Prefixes) {
        const net = maskIpv4(value, prefix);
        if (this.ipv4.has(prefix * 4294967296 + net)) {
          return { set: this.name, indicator: prefix === 32 ? host : `${numberToIpv4(net)}/${prefix}`, kind: 'ipv4' };
        }
      }
      return null;
    }
    for (const [prefix, nets] of this.ipv6Nets) {
      const net = maskIpv6(host, prefix);
      if (nets.has(net)) return { set: this.name, indicator: prefix === 128 ? host : `${net}/${prefix}`, kind: 'ipv6' };
    }
    return null;
  }

  lookupUrl(url: string): IocMatch | null {
    if (this.urls.size === 0) return null;
    const norm = normaliseUrl(url);
    return norm ? this.lookupNormalisedUrl(norm) : null;
  }

  get hasUrls(): boolean {
    return this.urls.size > 0;
  }

  /** lookupUrl for a URL already passed through normaliseUrl. */
  lookupNormalisedUrl(norm: string): IocMatch | null {
    return this.urls.has(norm) ? { set: this.name, indicator: norm, kind: 'url' } : null;
  }
}

function labelCount(host: string): number {
  let n = 1;
  for (let i = 0; i < host.length; i++) if (host.charCodeAt(i) === 46) n++;
  return n;
}

export function ipv4ToNumber(ip: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return value * 256 + part;
}

function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskIpv4(value: number, prefix: number): number {
  return prefix === 0 ? 0 : (value & (~0 << (32 - prefix))) >>> 0;
}

/** The first `prefix` bits of an IPv6 address, as a string of 32 hex digits masked. */
function maskIpv6(address: string, prefix: number): string {
  const groups = expandIpv6(address);
  let bits = '';
  for (const g of groups) bits += Number.parseInt(g, 16).toString(2).padStart(16, '0');
  const masked = bits.slice(0, prefix).padEnd(128, '0');
  let hex = '';
  for (let i = 0; i < 128; i += 4) hex += Number.parseInt(masked.slice(i, i + 4), 2).toString(16);
  return hex;
}

function expandIpv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].slice(0, 8).map((g) => g || '0');
}

/** Lowercase scheme and host, no fragment, no default port, no trailing slash on an empty path. */
export function normaliseUrl(url: string): string | null {
  try {
    const u = new URL(url);
    u.hash = '';
    u.hostname = u.hostname.replace(/\.+$/, '');
    return u.href.replace(/\/$/, '');
  } catch {
    return null;
  }
}
