import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSessionEvent, SessionEventError } from '../../../forwarder/identity/cloudtrail-event.js';
import { principalFromArn } from '../../../forwarder/identity/principal.js';
import { splitSessionId } from '../../../forwarder/identity/session-id.js';
import { sessionsDir } from '../../helpers/paths.js';
import { readTruth, truthFiles } from '../sinks/helpers/alerts.js';
import { eventBridge, laterRecord, startSessionRecord } from './cloudtrail-events.js';

const truth = (id: string) => readTruth(join(sessionsDir, `${id}.truth.json`));

describe('session ids', () => {
  it.each([
    ['jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa', 'jdoe@example.com', 'k3v9q2m8x1c7b5n4z0p6r2t8wa'],
    ['ops-jlee-0c5d2e8f1a7b3946d', 'ops-jlee', '0c5d2e8f1a7b3946d'],
    ['master-console-admin-ogucubv3f8zp6xxkdxv25lb3re', 'master-console-admin', 'ogucubv3f8zp6xxkdxv25lb3re'],
    ['nodash', null, 'nodash'],
  ])('%s splits on the last dash', (id, name, suffix) => {
    expect(splitSessionId(id)).toEqual({ name, suffix });
  });
});

describe('principals', () => {
  it.each([
    ['arn:aws:iam::444455556666:user/mallory', 'IAMUser', 'mallory', null],
    ['arn:aws:iam::444455556666:user/division/team/bob', 'IAMUser', 'bob', null],
    [
      'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformOps_5e2f1c/jlee@example.com',
      'IdentityCenterUser',
      'jlee@example.com',
      'jlee@example.com',
    ],
    ['arn:aws:sts::444455556666:assumed-role/ci-deployer/GitHubActions', 'AssumedRole', 'GitHubActions', null],
    ['arn:aws:iam::444455556666:root', 'Root', 'root', null],
    ['arn:aws:sts::444455556666:federated-user/carol', 'FederatedUser', 'carol', null],
    ['arn:aws-us-gov:iam::444455556666:user/gov', 'IAMUser', 'gov', null],
    ['not an arn', 'Unknown', null, null],
  ])('%s', (arn, type, name, email) => {
    expect(principalFromArn(arn)).toMatchObject({ type, name, email });
  });
});

describe('parseSessionEvent', () => {
  it('reads an Identity Center StartSession from EventBridge, with MFA, reason and document', () => {
    const t = truth('ops-jlee-0c5d2e8f1a7b3946d');
    const e = parseSessionEvent(
      eventBridge(
        startSessionRecord(t, { reason: 'INC-4411 disk full', documentName: 'SSM-SessionManagerRunShell', mfa: true }),
      ),
    );
    expect(e).toMatchObject({ name: 'StartSession', sessionId: t.sessionId, time: t.start });
    expect(e.identity).toMatchObject({
      principalArn: t.principal,
      principalType: 'IdentityCenterUser',
      name: 'jlee@example.com',
      email: 'jlee@example.com',
      account: '111122223333',
      sourceIp: '198.51.100.23',
      mfa: true,
      reason: 'INC-4411 disk full',
      documentName: 'SSM-SessionManagerRunShell',
      target: 'i-0a1b2c3d4e5f60718',
      region: 'eu-west-1',
      start: t.start,
      end: null,
    });
    expect(e.identity.userAgent).toMatch(/^aws-cli\/2/);
  });

  it('reads a raw IAM user record and the LookupEvents CloudTrailEvent string the same way', () => {
    const t = truth('mallory-09f8e7d6c5b4a3921');
    const raw = startSessionRecord(t);
    const a = parseSessionEvent(raw);
    const b = parseSessionEvent(JSON.stringify(raw));
    expect(a).toEqual(b);
    expect(a.identity).toMatchObject({
      principalType: 'IAMUser',
      name: 'mallory',
      mfa: null,
      documentName: null,
      reason: null,
    });
  });

  it('every fixture session parses to its own principal and instance', () => {
    for (const file of truthFiles()) {
      const t = readTruth(file);
      const e = parseSessionEvent(eventBridge(startSessionRecord(t)));
      expect(e.identity).toMatchObject({
        sessionId: t.sessionId,
        principalArn: t.principal,
        target: t.instanceId,
        account: t.account,
      });
    }
  });

  it('ResumeSession and TerminateSession take the session id from the request', () => {
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    expect(parseSessionEvent(laterRecord(t, 'TerminateSession', '2026-10-08T14:00:00Z'))).toMatchObject({
      name: 'TerminateSession',
      sessionId: t.sessionId,
      identity: { end: '2026-10-08T14:00:00Z' },
    });
    expect(parseSessionEvent(laterRecord(t, 'ResumeSession', '2026-10-08T13:40:00Z'))).toMatchObject({
      name: 'ResumeSession',
      identity: { lastResume: '2026-10-08T13:40:00Z' },
    });
  });

  it.each([
    ['garbage', '{not json', /not JSON/, false],
    ['an array', '[1,2]', /JSON object/, false],
    [
      'another API call',
      { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', eventTime: '2026-10-08T13:30:00Z' },
      /not a Session Manager event/,
      true,
    ],
    [
      'a failed StartSession',
      {
        eventName: 'StartSession',
        eventSource: 'ssm.amazonaws.com',
        eventTime: '2026-10-08T13:30:00Z',
        errorCode: 'AccessDenied',
        responseElements: null,
      },
      /without a session id \(the call failed: AccessDenied\)/,
      false,
    ],
    [
      'no time',
      { eventName: 'StartSession', eventSource: 'ssm.amazonaws.com', responseElements: { sessionId: 'a-b' } },
      /eventTime/,
      false,
    ],
  ])('rejects %s with a clear error', (_, input, message, otherEvent) => {
    let error: unknown;
    try {
      parseSessionEvent(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SessionEventError);
    expect((error as Error).message).toMatch(message);
    expect((error as SessionEventError).otherEvent).toBe(otherEvent);
  });
});
