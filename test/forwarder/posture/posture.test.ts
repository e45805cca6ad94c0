import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { missingSessionManagerActions, parsePolicyDocument } from '../../../forwarder/posture/iam-policy.js';
import { parsePreferences, preferenceFindings } from '../../../forwarder/posture/preferences.js';
import { postureClients, runPosture } from '../../../forwarder/posture/run.js';
import { openAdminPortFindings, sourceWidth } from '../../../forwarder/posture/security-groups.js';
import { type RecordedAwsOptions, startRecordedAws } from './recorded-aws.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CREDENTIALS = { accessKeyId: 'AKIDPOSTURETEST', secretAccessKey: 'posture-test-secret' };
const CLOCK = () => Date.parse('2026-10-12T06:00:00Z');
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function posture(account: 'compliant' | 'noncompliant', region: string, options: RecordedAwsOptions = {}) {
  const aws = await startRecordedAws(join(FIXTURES, account), options);
  servers.push(aws);
  const clients = postureClients({ region, endpoint: aws.url, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    return { report: await runPosture(clients, { region, clock: CLOCK }), calls: aws.calls };
  } finally {
    for (const c of Object.values(clients)) c.destroy();
  }
}

const rules = (alerts: { ruleId: string; evidence: { value: string }[] }[]) =>
  alerts.map((a) => `${a.ruleId.replace('sessionwatch-posture-', '')} ${a.evidence[0]!.value}`);

describe('posture on recorded AWS responses', () => {
  it('finds nothing in a compliant account, after reading everything the checks need (signed requests)', async () => {
    const { report, calls } = await posture('compliant', 'eu-west-1');
    expect(report.errors).toEqual([]);
    expect(report.alerts).toEqual([]);
    expect(report.account).toBe('111122223333');
    expect(calls.every((c) => c.signed)).toBe(true);
    expect(calls.find((c) => c.operation === 'DescribeInstances')?.params).toMatchObject({
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
    });
    // the customer-managed policy that grants the agent's actions was read, the well-known AWS one was not
    const read = calls.filter((c) => c.operation === 'GetPolicyVersion').map((c) => c.params.PolicyArn);
    expect(read).toContain('arn:aws:iam::111122223333:policy/session-manager-agent');
    expect(read).not.toContain('arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
  });

  it('reports every baseline gap of a non-compliant account, with its resource', async () => {
    const { report, calls } = await posture('noncompliant', 'us-east-1');
    expect(report.account).toBe('444455556666');
    expect(rules(report.alerts)).toEqual([
      's3-logging-off document/SSM-SessionManagerRunShell',
      'cloudwatch-encryption-off document/SSM-SessionManagerRunShell',
      'streaming-off document/SSM-SessionManagerRunShell',
      'session-encryption-off document/SSM-SessionManagerRunShell',
      'idle-timeout-unset document/SSM-SessionManagerRunShell',
      'max-duration-unset document/SSM-SessionManagerRunShell',
      'run-as-off document/SSM-SessionManagerRunShell',
      'shell-profile document/SSM-SessionManagerRunShell',
      'open-admin-port sg-01a2b3c4d5e6f7a80',
      'open-admin-port sg-01a2b3c4d5e6f7a80',
      'open-admin-port sg-02b3c4d5e6f7a8091',
      'open-admin-port sg-03c4d5e6f7a809102',
      'open-admin-port sg-04d5e6f7a80910213',
      'instance-without-session-manager i-0f1e2d3c4b5a69788',
      'instance-without-session-manager i-0e2d3c4b5a6978899',
      'instance-without-session-manager i-0c4b5a69788990011',
      'instance-without-session-manager i-0b5a6978899001122',
    ]);
    // the second page of security groups was asked for with the token of the first
    expect(
      calls.filter((c) => c.operation === 'DescribeSecurityGroups').map((c) => c.params.NextToken ?? null),
    ).toEqual([null, 'eyJ2IjoyLCJjIjoiRXhhbXBsZVBhZ2luYXRpb25Ub2tlbiJ9']);
    const byTitle = Object.fromEntries(report.alerts.map((a) => [a.title, a]));
    expect(byTitle['SSH and RDP open to the internet in sg-03c4d5e6f7a809102']).toMatchObject({
      severity: 'high',
      category: 'lateral-movement',
      attack: ['T1021.004', 'T1021.001'],
      instanceId: 'i-0e2d3c4b5a6978899',
      source: 'posture',
      account: '444455556666',
      region: 'us-east-1',
      time: '2026-10-12T06:00:00.000Z',
    });
    expect(byTitle['RDP open to 10.0.0.0/8 in sg-02b3c4d5e6f7a8091']?.severity).toBe('medium');
    const shell = report.alerts.find((a) => a.ruleId === 'sessionwatch-posture-shell-profile')!;
    expect(shell.evidence.map((e) => e.value)).toEqual(
      expect.arrayContaining(['sw-evasion-history-clearing', 'unset HISTFILE']),
    );
    const lockedDown = report.alerts.find((a) => a.instanceId === 'i-0b5a6978899001122')!;
    expect(lockedDown.evidence).toContainEqual({
      kind: 'other',
      value:
        'ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel',
      detail: 'missing actions',
    });
    // the profile of i-0c4b… was deleted (NoSuchEntity): a finding, not a failed check
    const reports = report.alerts.find(
      (a) =>
        a.instanceId === 'i-0c4b5a69788990011' && a.ruleId === 'sessionwatch-posture-instance-without-session-manager',
    );
    expect(reports!.evidence[1]!.value).toBe('the instance profile does not exist');
    expect(report.errors).toEqual([]);
  });

  it('gives each finding the same id on every run, and a new one when the configuration changes', async () => {
    const first = (await posture('noncompliant', 'us-east-1')).report.alerts.map((a) => a.id);
    const again = (await posture('noncompliant', 'us-east-1')).report.alerts.map((a) => a.id);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    const elsewhere = (await posture('noncompliant', 'eu-central-1')).report.alerts.map((a) => a.id);
    expect(elsewhere.filter((id) => first.includes(id))).toEqual([]);
  });

  it('treats an account whose preferences were never saved as running on the defaults', async () => {
    const { report } = await posture('compliant', 'eu-west-1', { missing: ['ssm:GetDocument'] });
    expect(rules(report.alerts)).toEqual([
      's3-logging-off document/SSM-SessionManagerRunShell',
      'cloudwatch-logging-off document/SSM-SessionManagerRunShell',
      'streaming-off document/SSM-SessionManagerRunShell',
      'session-encryption-off document/SSM-SessionManagerRunShell',
      'idle-timeout-unset document/SSM-SessionManagerRunShell',
      'max-duration-unset document/SSM-SessionManagerRunShell',
      'run-as-off document/SSM-SessionManagerRunShell',
    ]);
    expect(report.alerts[0]!.evidence).toContainEqual({
      kind: 'other',
      value: 'preferences never saved: Session Manager defaults apply',
      detail: 'document',
    });
    expect(report.errors).toEqual([]);
  });

  it('does not flag instances without a profile when a Default Host Management role manages them', async () => {
    const dhmc = JSON.stringify({
      ServiceSetting: {
        SettingId: '/ssm/managed-instance/default-ec2-instance-management-role',
        SettingValue: 'AWSSystemsManagerDefaultEC2InstanceManagementRole',
        LastModifiedDate: 1780300800,
        LastModifiedUser: 'arn:aws:iam::444455556666:role/platform-admin',
        ARN: 'arn:aws:ssm:us-east-1:444455556666:servicesetting/ssm/managed-instance/default-ec2-instance-management-role',
        Status: 'Customized',
      },
    });
    const { report } = await posture('noncompliant', 'us-east-1', { override: { 'ssm:GetServiceSetting': dhmc } });
    const instances = report.alerts.filter((a) => a.ruleId === 'sessionwatch-posture-instance-without-session-manager');
    expect(instances.map((a) => a.instanceId)).toEqual([
      'i-0e2d3c4b5a6978899',
      'i-0c4b5a69788990011',
      'i-0b5a6978899001122',
    ]);
  });

  it('keeps going when a permission is missing, and says which checks are incomplete', async () => {
    const { report } = await posture('noncompliant', 'us-east-1', {
      deny: ['ec2:DescribeInstances', 'ssm:GetServiceSetting'],
    });
    expect(report.errors).toEqual([
      expect.stringMatching(/^ssm:GetServiceSetting .*: AccessDeniedException: User: .* is not authorized/),
      expect.stringMatching(/^ec2:DescribeInstances: UnauthorizedOperation: You are not authorized/),
    ]);
    expect(report.alerts.some((a) => a.ruleId === 'sessionwatch-posture-instance-without-session-manager')).toBe(false);
    expect(report.alerts.filter((a) => a.ruleId === 'sessionwatch-posture-open-admin-port')).toHaveLength(5);
    expect(report.alerts.some((a) => a.ruleId === 'sessionwatch-posture-s3-logging-off')).toBe(true);

    const iamDenied = await posture('noncompliant', 'us-east-1', { deny: ['iam:GetInstanceProfile'] });
    expect(iamDenied.report.errors).toHaveLength(4);
    expect(iamDenied.report.errors[0]).toMatch(/instance-profile\/legacy-web: iam:GetInstanceProfile: AccessDenied/);
    const instanceIds = iamDenied.report.alerts
      .filter((a) => a.ruleId === 'sessionwatch-posture-instance-without-session-manager')
      .map((a) => a.instanceId);
    expect(instanceIds).toEqual(['i-0f1e2d3c4b5a69788']); // only the one without a profile is known for sure
  });
});

describe('posture checks', () => {
  it('tells the internet and /8-or-wider sources from narrower ones', () => {
    expect(
      ['0.0.0.0/0', '::/0', '10.0.0.0/8', '0.0.0.0/1', '10.20.0.0/16', '2001:db8::/32', 'garbage', '1.2.3.4'].map(
        sourceWidth,
      ),
    ).toEqual(['internet', 'internet', 'wide', 'wide', null, null, null, null]);
  });

  it('finds SSH and RDP by port, range, protocol number and all traffic, never UDP or narrow sources', () => {
    const group = (IpPermissions: unknown[]) => ({ GroupId: 'sg-1', GroupName: 'g', IpPermissions }) as never;
    const ranges = [{ CidrIp: '0.0.0.0/0' }];
    const keys = (p: unknown[]) => openAdminPortFindings([group(p)]).map((f) => f.title);
    expect(keys([{ IpProtocol: 'tcp', FromPort: 20, ToPort: 25, IpRanges: ranges }])).toEqual([
      'SSH open to the internet in sg-1',
    ]);
    expect(keys([{ IpProtocol: '6', FromPort: 3000, ToPort: 4000, IpRanges: ranges }])).toEqual([
      'RDP open to the internet in sg-1',
    ]);
    expect(keys([{ IpProtocol: '-1', IpRanges: ranges }])).toEqual(['SSH and RDP open to the internet in sg-1']);
    expect(keys([{ IpProtocol: 'udp', FromPort: 22, ToPort: 22, IpRanges: ranges }])).toEqual([]);
    expect(keys([{ IpProtocol: 'tcp', FromPort: 23, ToPort: 3388, IpRanges: ranges }])).toEqual([]);
    expect(keys([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.20.4.0/24' }] }])).toEqual([]);
  });

  it('evaluates role policies: wildcards, NotAction, explicit Deny', () => {
    const allow = (Action: unknown) => ({ Effect: 'Allow', Action }) as never;
    expect(missingSessionManagerActions([allow('*')])).toEqual([]);
    expect(missingSessionManagerActions([allow(['ssm:Update*', 'ssmmessages:*'])])).toEqual([]);
    expect(missingSessionManagerActions([allow(['SSM:UpdateInstanceInformation', 'ssmmessages:Open*'])])).toEqual([
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
    ]);
    expect(missingSessionManagerActions([{ Effect: 'Allow', NotAction: 'iam:*' } as never])).toEqual([]);
    expect(
      missingSessionManagerActions([allow('*'), { Effect: 'Deny', Action: 'ssm:UpdateInstanceInformation' } as never]),
    ).toEqual(['ssm:UpdateInstanceInformation']);
    expect(parsePolicyDocument(encodeURIComponent('{"Statement":{"Effect":"Allow","Action":"s3:*"}}'))).toEqual([
      { Effect: 'Allow', Action: 's3:*' },
    ]);
    expect(() => parsePolicyDocument('%E0%A4%A')).toThrow(/neither JSON nor URL-encoded/);
  });

  it('reads preferences with string or boolean flags and checks the shell profile with the rules', () => {
    const p = parsePreferences(
      JSON.stringify({
        inputs: {
          s3BucketName: 'logs',
          s3EncryptionEnabled: 'true',
          cloudWatchLogGroupName: 'g',
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: 'true',
          kmsKeyId: 'alias/sessions',
          idleSessionTimeout: 20,
          maxSessionDuration: '60',
          runAsEnabled: true,
          shellProfile: { linux: 'stty -echo\nexport TMOUT=900' },
        },
      }),
    );
    expect(preferenceFindings(p).map((f) => [f.ruleId, f.key])).toEqual([
      ['sessionwatch-posture-shell-profile', 'sw-tamper-echo-off'],
    ]);
    expect(() => parsePreferences('schemaVersion: "1.0"')).toThrow(/not JSON/);
  });
});
