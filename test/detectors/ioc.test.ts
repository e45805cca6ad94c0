import { describe, expect, it } from 'vitest';
import { normaliseHost } from '../../detectors/analyze/network.js';
import type { Destination } from '../../detectors/analyze/types.js';
import { detectIocFormat, IocSet, loadIocText, refang } from '../../detectors/index.js';
import { DomainTable } from '../../detectors/ioc/domain-table.js';

const host = (h: string): Destination => {
  const n = normaliseHost(h)!;
  return { ...n, url: null, scheme: null, port: null, source: h };
};
const hit = (set: IocSet, h: string) => {
  const d = host(h);
  return set.lookupHost(d.host, d.kind)?.indicator ?? null;
};

describe('plain lists', () => {
  const { set, problems, format } = loadIocText(
    'intel',
    `# comment line
evil.com
hxxps://bad[.]example/path?x=1   # trailing comment
1[.]1[.]1[.]1
198.51.100.0/24
2001:db8:bad::/48
sub(.)thing[dot]example
WWW.UPPER.EXAMPLE.
*.wild.example
not an indicator at all
`,
  );
  it('reads defanged spellings, CIDR, IPv6 and reports bad lines with their number', () => {
    expect(format).toBe('plain');
    expect(set.size).toBe(8);
    expect(problems).toEqual([{ source: 'intel', line: 10, message: expect.stringContaining('not an indicator') }]);
  });
  it('matches domains and their subdomains, case-insensitively, by label', () => {
    expect(hit(set, 'evil.com')).toBe('evil.com');
    expect(hit(set, 'A.B.EVIL.COM.')).toBe('evil.com');
    expect(hit(set, 'notevil.com')).toBeNull();
    expect(hit(set, 'evil.com.cdn.io')).toBeNull();
    expect(hit(set, 'www.upper.example')).toBe('www.upper.example');
    expect(hit(set, 'x.wild.example')).toBe('wild.example');
    expect(hit(set, 'sub.thing.example')).toBe('sub.thing.example');
  });
  it('matches IPs exactly and by range', () => {
    expect(hit(set, '1.1.1.1')).toBe('1.1.1.1');
    expect(hit(set, '1.1.1.2')).toBeNull();
    expect(hit(set, '198.51.100.200')).toBe('198.51.100.0/24');
    expect(hit(set, '198.51.101.1')).toBeNull();
    expect(set.lookupHost('2001:db8:bad:1::5', 'ipv6')).not.toBeNull();
    expect(set.lookupHost('2001:db8:bae::1', 'ipv6')).toBeNull();
  });
  it('matches URLs after normalisation', () => {
    expect(set.lookupUrl('HTTPS://BAD.example/path?x=1')).not.toBeNull();
    expect(set.lookupUrl('https://bad.example/other')).toBeNull();
  });
  it('refangs the usual spellings', () => {
    expect(refang('hxxp://evil[.]com[/]a')).toBe('http://evil.com/a');
    expect(refang('evil DOT com')).toBe('evil.com');
    expect(refang('user[@]evil(.)com')).toBe('user@evil.com');
  });
});

describe('threat-intel formats', () => {
  it('URLhaus CSV', () => {
    const text = `################################################################
# abuse.ch URLhaus Database Dump (CSV)                         #
################################################################
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3253117","2024-10-10 10:12:07","http://198.51.100.23:40889/i","online","2024-10-10 10:12:07","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3253117/","geenensp"
"3253116","2024-10-10 10:11:05","https://evil.example/payload.sh","offline","","malware_download","sh","https://urlhaus.abuse.ch/url/3253116/","anonymous"
`;
    expect(detectIocFormat(text)).toBe('urlhaus-csv');
    const { set, problems } = loadIocText('urlhaus', text);
    expect(problems).toEqual([]);
    expect(set.size).toBe(2);
    expect(set.lookupUrl('https://evil.example/payload.sh')?.indicator).toBe('https://evil.example/payload.sh');
    expect(set.lookupUrl('http://198.51.100.23:40889/i')).not.toBeNull();
  });

  it('Feodo Tracker CSV and plain IP list', () => {
    const csv = `# Feodo Tracker
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2021-01-17 07:30:05","203.0.113.8","447","online","2024-10-10","QakBot"
"2021-03-11 08:20:03","198.51.100.9","443","offline","2024-10-09","Pikabot"
`;
    expect(detectIocFormat(csv)).toBe('feodo-csv');
    const { set } = loadIocText('feodo', csv);
    expect(set.size).toBe(2);
    expect(hit(set, '203.0.113.8')).toBe('203.0.113.8');
    const list = loadIocText('feodo-ips', '# Feodo Tracker IP blocklist\n203.0.113.8\n198.51.100.9\n');
    expect(list.set.size).toBe(2);
  });

  it('STIX 2.1 bundles honour valid_until and revoked, and OR compounds', () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--1',
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          pattern_type: 'stix',
          pattern: "[domain-name:value = 'stix-evil.example']",
        },
        {
          type: 'indicator',
          pattern_type: 'stix',
          pattern: "[ipv4-addr:value = '203.0.113.0/24'] OR [url:value = 'http://x.example/a']",
        },
        { type: 'indicator', pattern_type: 'stix', pattern: "[ipv6-addr:value = '2001:db8::1']" },
        {
          type: 'indicator',
          pattern_type: 'stix',
          pattern: "[domain-name:value = 'expired.example']",
          valid_until: '2020-01-01T00:00:00Z',
        },
        { type: 'indicator', pattern_type: 'stix', pattern: "[domain-name:value = 'revoked.example']", revoked: true },
        { type: 'malware', name: 'x' },
        { type: 'indicator', pattern_type: 'stix', pattern: "[file:hashes.'SHA-256' = 'abc']" },
      ],
    };
    const { set, problems, format } = loadIocText('stix', JSON.stringify(bundle), { now: new Date('2026-01-01') });
    expect(format).toBe('stix2');
    expect(set.size).toBe(4);
    expect(hit(set, 'a.stix-evil.example')).toBe('stix-evil.example');
    expect(hit(set, '203.0.113.77')).toBe('203.0.113.0/24');
    expect(set.lookupUrl('http://x.example/a')).not.toBeNull();
    expect(set.lookupHost('2001:db8::1', 'ipv6')).not.toBeNull();
    expect(hit(set, 'expired.example')).toBeNull();
    expect(hit(set, 'revoked.example')).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('no supported comparison');
  });

  it('MISP CSV keeps only to_ids rows of network types', () => {
    const text = `uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category
5e1,12,Network activity,domain,misp-evil.example,,1,1700000000,,,,,
5e2,12,Network activity,ip-dst,203.0.113.99,,1,1700000000,,,,,
5e3,12,Network activity,domain,not-for-ids.example,,0,1700000000,,,,,
5e4,12,Network activity,domain|ip,pair.example|198.51.100.44,,1,1700000000,,,,,
5e5,12,Network activity,ip-dst|port,192.0.2.7|8443,,1,1700000000,,,,,
5e6,12,Payload delivery,sha256,abcd,,1,1700000000,,,,,
5e7,12,Network activity,url,"http://misp.example/a,b",,1,1700000000,,,,,
`;
    expect(detectIocFormat(text)).toBe('misp-csv');
    const { set, problems } = loadIocText('misp', text);
    expect(problems).toEqual([]);
    expect(set.size).toBe(6);
    expect(hit(set, 'misp-evil.example')).not.toBeNull();
    expect(hit(set, 'not-for-ids.example')).toBeNull();
    expect(hit(set, '198.51.100.44')).not.toBeNull();
    expect(hit(set, '192.0.2.7')).not.toBeNull();
    expect(set.lookupUrl('http://misp.example/a,b')).not.toBeNull();
  });

  it('reports a broken STIX file as a problem instead of throwing', () => {
    const { set, problems } = loadIocText('broken', '{"type": "bundle", "objects": [');
    expect(set.size).toBe(0);
    expect(problems[0]?.message).toMatch(/cannot read stix2/);
  });
});

describe('scale', () => {
  it('holds 100,000 domains and still matches by label suffix', () => {
    const set = new IocSet('big');
    for (let i = 0; i < 100_000; i++) set.addDomain(`host${i}.bad${i % 997}.example`);
    expect(set.size).toBe(100_000);
    expect(hit(set, 'x.host99999.bad299.example')).toBe('host99999.bad299.example');
    expect(hit(set, 'host99999.bad298.example')).toBeNull();
  });
});

describe('domain table', () => {
  it('finds the most specific indicator whatever the number of labels, and only whole labels', () => {
    const set = new IocSet('t');
    for (const d of ['evil.com', 'x.evil.com', 'a.b.c.d.e.f.example']) set.addDomain(d);
    expect(hit(set, 'a.b.c.d.e.evil.com')).toBe('evil.com');
    expect(hit(set, 'y.x.evil.com')).toBe('x.evil.com');
    expect(hit(set, 'x.evil.co')).toBeNull();
    expect(hit(set, 'zz.a.b.c.d.e.f.example')).toBe('a.b.c.d.e.f.example');
    expect(hit(set, 'b.c.d.e.f.example')).toBeNull();
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`).join('.');
    set.addDomain(labels(40)); // more labels than the label-count mask tells apart
    expect(hit(set, `q.${labels(40)}`)).toBe(labels(40));
    expect(hit(set, labels(40).slice('l0.'.length))).toBeNull();
  });

  it('answers as a plain set would, at every fill level up to 7/8 and across growth', () => {
    const table = new DomainTable();
    const names: string[] = [];
    // the table is full at 7/8 of 1024, 2048, … slots: check just there, just after growing, and now and then
    const checkpoints = new Set([10, 11, 12, 13].flatMap((k) => [(2 ** k * 7) / 8, (2 ** k * 7) / 8 + 1]));
    for (let i = 1; i <= 12_000; i++) {
      const name = `n${i}.z${i % 13}.example`;
      expect(table.add(name)).toBe(true);
      names.push(name);
      if (checkpoints.has(i) || i % 2_000 === 0) {
        expect(names.every((n) => table.has(n))).toBe(true);
        expect(names.some((_, k) => table.has(`n${k + 1}.z${(k + 2) % 13}.example`))).toBe(false);
      }
    }
    expect(table.add(names[123]!)).toBe(false);
    expect(table.size).toBe(12_000);
  });
});
