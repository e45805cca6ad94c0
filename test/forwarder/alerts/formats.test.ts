import { isIP } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Actor, Alert } from '../../../forwarder/alerts/alert.js';
import { escapeCefHeader, escapeCefValue, toCef } from '../../../forwarder/alerts/formats/cef.js';
import { toEcs } from '../../../forwarder/alerts/formats/ecs.js';
import { toHecEvent } from '../../../forwarder/alerts/formats/hec.js';
import { toOcsf } from '../../../forwarder/alerts/formats/ocsf.js';
import { toSnsMessage } from '../../../forwarder/alerts/formats/sns.js';
import { octetFrame, toSyslog5424 } from '../../../forwarder/alerts/formats/syslog.js';
import { sessionsDir } from '../../helpers/paths.js';
import { fixtureAlerts, labelledAlerts, readTruth } from '../sinks/helpers/alerts.js';

const actor: Actor = {
  principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developer_77aa01/dana@example.com',
  type: 'IdentityCenterUser',
  name: 'dana@example.com',
  email: 'dana@example.com',
  account: '111122223333',
  sourceIp: '198.51.100.23',
  userAgent: 'aws-cli/2.17.20 Python/3.11.9',
  mfa: true,
  reason: 'INC-4411: disk full',
  sessionStart: '2026-10-08T13:30:00Z',
  sessionEnd: null,
  from: 'table',
};
const truth = readTruth(join(sessionsDir, 'dana-0b1c2d3e4f5a6b7c8.truth.json'));
const withActor = labelledAlerts(truth, actor, {
  transcript: { bucket: 'org-session-logs', key: `111122223333/${truth.sessionId}.log` },
});
const all: Alert[] = [...fixtureAlerts(), ...withActor];
/** A command with every character CEF, syslog and JSON must escape. */
const nasty: Alert = {
  ...withActor[0]!,
  command: 'echo "a=b|c\\d" ] \\\n && printf \'x\ty\' # ünïcödé 漢字',
  title: 'Pipe | and backslash \\ in a title',
};

const OCSF = z.object({
  activity_id: z.literal(1),
  category_uid: z.literal(2),
  class_uid: z.literal(2004),
  type_uid: z.literal(200401),
  severity_id: z.number().int().min(1).max(5),
  severity: z.enum(['Informational', 'Low', 'Medium', 'High', 'Critical']),
  status_id: z.literal(1),
  time: z.number().int().positive(),
  message: z.string(),
  metadata: z.object({
    version: z.string().regex(/^1\.\d+\.\d+$/),
    product: z.object({ name: z.string(), vendor_name: z.string(), version: z.string() }),
    uid: z.string(),
  }),
  finding_info: z.object({
    uid: z.string().min(1),
    title: z.string().min(1),
    types: z.array(z.string()).min(1),
    created_time: z.number().int(),
    analytic: z.object({ uid: z.string(), name: z.string(), type_id: z.literal(1) }),
    attacks: z.array(
      z.object({
        technique: z.object({ uid: z.string().regex(/^T\d{4}$/) }),
        sub_technique: z.object({ uid: z.string().regex(/^T\d{4}\.\d{3}$/) }).optional(),
      }),
    ),
    src_url: z.url(),
  }),
  cloud: z.object({
    provider: z.literal('AWS'),
    region: z.string(),
    account: z.object({ uid: z.string().regex(/^\d{12}$/) }),
  }),
  device: z.object({ type_id: z.literal(6), instance_uid: z.string().startsWith('i-') }),
  resources: z.array(z.object({ uid: z.string(), type: z.literal('AWS::EC2::Instance') })).min(1),
  evidences: z.array(z.object({ name: z.string() }).loose()).min(1),
  observables: z.array(z.object({ name: z.string(), type_id: z.number().int(), value: z.string() })),
});

const ECS_CATEGORIES = ['intrusion_detection', 'process', 'authentication', 'network', 'file', 'session'];
const ECS = z.object({
  '@timestamp': z.iso.datetime(),
  message: z.string(),
  ecs: z.object({ version: z.string().regex(/^8\.\d+\.\d+$/) }),
  event: z.object({
    kind: z.literal('alert'),
    category: z.array(z.string().refine((c) => ECS_CATEGORIES.includes(c))),
    type: z.array(z.enum(['info', 'start', 'indicator'])),
    id: z.string(),
    severity: z.number().int(),
    risk_score: z.number(),
    dataset: z.string(),
  }),
  rule: z.object({ id: z.string(), name: z.string(), category: z.string() }),
  process: z.object({ command_line: z.string() }),
  host: z.object({ id: z.string() }),
  cloud: z.object({
    provider: z.literal('aws'),
    account: z.object({ id: z.string() }),
    instance: z.object({ id: z.string() }),
  }),
  related: z.object({
    user: z.array(z.string()),
    ip: z.array(z.string().refine((ip) => isIP(ip) > 0)),
    hosts: z.array(z.string()),
  }),
});

/** A minimal CEF reader: header split on unescaped pipes, extension on `key=` boundaries, escapes undone. */
function parseCef(line: string) {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\')) cur += line[++i];
    else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  const ext: Record<string, string> = {};
  const rest = line.slice(i);
  const keys = [...rest.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)].filter((m) => rest[m.index - 1] !== '\\' || m.index === 0);
  keys.forEach((m, k) => {
    const start = m.index + m[0].length;
    const end = k + 1 < keys.length ? keys[k + 1]!.index : rest.length;
    ext[m[1]!] = rest.slice(start, end).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  });
  return { header, ext };
}

describe('OCSF Detection Finding', () => {
  it.each(all.map((a) => [a.ruleId, a.sessionId, a] as const))(
    '%s in %s has the required fields with the right types',
    (_, __, alert) => {
      const result = OCSF.safeParse(toOcsf(withActor.includes(alert) ? alert : { ...alert, actor }));
      expect(result.success, result.success ? '' : z.prettifyError(result.error)).toBe(true);
    },
  );

  it('maps actor, session, MFA and the command', () => {
    const f = toOcsf(withActor[0]!);
    expect(f.actor).toMatchObject({
      user: { uid: actor.principalArn, email_addr: 'dana@example.com', type_id: 1, account: { uid: '111122223333' } },
      session: { uid: truth.sessionId, is_mfa: true },
    });
    expect(f.evidences[0]).toMatchObject({
      process: { cmd_line: withActor[0]!.command },
      src_endpoint: { ip: '198.51.100.23' },
    });
    expect(f.finding_info.attacks).toEqual([{ technique: { uid: 'T1548' }, sub_technique: { uid: 'T1548.003' } }]);
    expect(f.time).toBe(Date.parse(withActor[0]!.time!));
  });
});

describe('Elastic Common Schema', () => {
  it.each(all.map((a) => [a.ruleId, a.sessionId, a] as const))('%s in %s validates', (_, __, alert) => {
    const doc = toEcs({ ...alert, actor });
    const result = ECS.safeParse(doc);
    expect(result.success, result.success ? '' : z.prettifyError(result.error)).toBe(true);
  });

  it('puts the principal in user.*, the OS user in user.effective and the address in source.ip', () => {
    const doc = toEcs(withActor[0]!);
    expect(doc.user).toEqual({
      name: 'dana@example.com',
      id: actor.principalArn,
      email: 'dana@example.com',
      effective: { name: 'ssm-user' },
    });
    expect(doc.source).toEqual({ ip: '198.51.100.23', address: '198.51.100.23' });
    expect(doc.threat?.technique).toEqual({ id: ['T1548'], subtechnique: { id: ['T1548.003'] } });
    // CloudTrail writes a service name, not an address, for calls AWS makes on a user's behalf.
    expect(toEcs({ ...withActor[0]!, actor: { ...actor, sourceIp: 'ssm.amazonaws.com' } }).source).toEqual({
      address: 'ssm.amazonaws.com',
    });
  });
});

describe('Splunk HEC envelope', () => {
  it('has time in epoch seconds, host, source, sourcetype and the alert as event', () => {
    const alert = withActor[0]!;
    const e = toHecEvent(alert, { index: 'security' });
    expect(e).toEqual({
      time: Date.parse(alert.time!) / 1000,
      host: alert.instanceId,
      source: `ssm-session:${alert.sessionId}`,
      sourcetype: 'sessionwatch:alert',
      index: 'security',
      event: alert,
      fields: {
        alert_id: alert.id,
        rule_id: alert.ruleId,
        severity: alert.severity,
        category: alert.category,
        account: '111122223333',
      },
    });
  });
});

describe('CEF in RFC 5424 syslog', () => {
  it('escapes CEF specials: pipe and backslash in the header, equals, backslash and newlines in values', () => {
    expect(escapeCefHeader('a|b\\c\nd')).toBe('a\\|b\\\\c d');
    expect(escapeCefValue('a=b\\c\nd\re|f')).toBe('a\\=b\\\\c\\nd\\re|f');
  });

  it.each(all.map((a) => [a.ruleId, a.sessionId, a] as const))(
    '%s in %s round-trips through a CEF reader',
    (_, __, alert) => {
      const { header, ext } = parseCef(toCef(alert));
      expect(header).toEqual([
        'CEF:0',
        'sessionwatch',
        'sessionwatch',
        expect.any(String),
        alert.ruleId,
        alert.title,
        expect.stringMatching(/^(10|[0-9])$/),
      ]);
      expect(ext).toMatchObject({
        externalId: alert.id,
        cs1: alert.sessionId,
        cs2: alert.command,
        cat: alert.category,
        rt: String(Date.parse(alert.time!)),
      });
    },
  );

  it('keeps a command full of specials intact', () => {
    const { header, ext } = parseCef(toCef(nasty));
    expect(header[5]).toBe(nasty.title);
    expect(ext.cs2).toBe(nasty.command);
    expect(ext.suser).toBe('dana@example.com');
  });

  it('wraps it in an RFC 5424 message with structured data, framed by octet counting', () => {
    const msg = toSyslog5424(nasty, { hostname: 'collector-1' });
    const m = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) (CEF:0\|.*)$/s.exec(msg);
    expect(m).not.toBeNull();
    const [, pri, time, host, app, procid, msgid, sd] = m!;
    expect(Number(pri)).toBe(4 * 8 + 3); // facility auth, severity err for a "high" alert
    expect(time).toBe(new Date(nasty.time!).toISOString());
    expect([host, app, procid, msgid]).toEqual(['collector-1', 'sessionwatch', '-', 'alert']);
    expect(sd).toContain(`id="${nasty.id}"`);
    const framed = octetFrame(msg);
    const space = framed.indexOf(0x20);
    expect(Number(framed.subarray(0, space).toString())).toBe(framed.length - space - 1);
  });

  it('stays within maxBytes by shortening the command', () => {
    const long = { ...nasty, command: `echo ${'x'.repeat(20_000)}` };
    expect(Buffer.byteLength(toSyslog5424(long, { maxBytes: 4096 }))).toBeLessThanOrEqual(4096);
  });
});

describe('SNS', () => {
  it.each(all.map((a) => [a.ruleId, a.sessionId, a] as const))(
    '%s in %s: subject < 100 ASCII characters without newlines',
    (_, __, alert) => {
      const { subject } = toSnsMessage(alert);
      expect(subject.length).toBeLessThan(100);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject).toContain(alert.severity.toUpperCase());
    },
  );

  it('names severity, rule, actor and instance, and links to the session and its transcript', () => {
    const alert = withActor[0]!;
    const m = toSnsMessage(alert);
    expect(m.subject).toBe(`[HIGH] test.privilege-escalation: dana@example.com on ${alert.instanceId}`);
    expect(m.message).toContain(alert.command);
    expect(m.message).toContain(
      `https://eu-west-1.console.aws.amazon.com/systems-manager/session-manager/${alert.sessionId}`,
    );
    expect(m.message).toContain(`s3://org-session-logs/111122223333/${alert.sessionId}.log`);
    expect(m.message).toContain(
      'https://s3.console.aws.amazon.com/s3/object/org-session-logs?region=eu-west-1&prefix=',
    );
    expect(m.message).toContain('Reason:     INC-4411: disk full');
    expect(m.messageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      category: { DataType: 'String', StringValue: 'privilege-escalation' },
      account: { DataType: 'String', StringValue: '111122223333' },
      rule_id: { DataType: 'String', StringValue: alert.ruleId },
      alert_id: { DataType: 'String', StringValue: alert.id },
    });
  });

  it('shortens long names and replaces non-ASCII in the subject', () => {
    const long = {
      ...nasty,
      ruleId: `rule.${'very-long-'.repeat(10)}`,
      actor: { ...actor, email: `${'ü'.repeat(60)}@example.com` },
    };
    const { subject } = toSnsMessage(long);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^\[HIGH\] rule\.very-long-.*\.\.\.: \?+.*on i-/);
  });
});
