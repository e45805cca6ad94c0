import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../forwarder/commands/record.js';
import type { SessionIdentity } from '../../../forwarder/identity/record.js';
import { emptyIdentity } from '../../../forwarder/identity/store.js';
import { coverageAlert } from '../../../forwarder/session-coverage/alerts.js';
import { type CoverageConfig, DEFAULT_COVERAGE_CONFIG } from '../../../forwarder/session-coverage/config.js';
import { evaluateSession } from '../../../forwarder/session-coverage/evaluate.js';
import {
  addObservation,
  emptyObservations,
  observeCommand,
  type TranscriptObservation,
  type TranscriptObservations,
} from '../../../forwarder/session-coverage/observations.js';

const START = '2026-10-08T14:00:05Z';
const at = (iso: string) => Date.parse(iso);

function session(overrides: Partial<SessionIdentity> = {}): SessionIdentity {
  return {
    ...emptyIdentity('eve.ops-0e5f6a7b8c9d0e1f2'),
    principalArn: 'arn:aws:iam::111122223333:user/eve.ops',
    principalType: 'IAMUser',
    name: 'eve.ops',
    account: '111122223333',
    region: 'eu-west-1',
    target: 'i-0a1b2c3d4e5f60718',
    sourceIp: '198.51.100.41',
    start: START,
    ...overrides,
  };
}

function seen(...observations: TranscriptObservation[]): TranscriptObservations {
  return observations.reduce(addObservation, emptyObservations('eve.ops-0e5f6a7b8c9d0e1f2'));
}

const kinds = (s: SessionIdentity, o: TranscriptObservations | null, now: string, config = DEFAULT_COVERAGE_CONFIG) =>
  evaluateSession(s, o, config, at(now)).findings.map((f) => [f.kind, f.due]);

describe('missing transcript', () => {
  const terminated = session({ end: '2026-10-08T14:22:41Z' });

  it('is raised only once the grace after TerminateSession has passed', () => {
    expect(kinds(terminated, null, '2026-10-08T14:37:40Z')).toEqual([]);
    expect(kinds(terminated, null, '2026-10-08T14:37:41Z')).toEqual([
      ['missing-transcript', '2026-10-08T14:37:41.000Z'],
    ]);
  });

  it('follows the configured grace', () => {
    const config = { ...DEFAULT_COVERAGE_CONFIG, graceMs: 60 * 60_000 };
    expect(kinds(terminated, null, '2026-10-08T15:00:00Z', config)).toEqual([]);
    expect(kinds(terminated, null, '2026-10-08T15:22:41Z', config)).toHaveLength(1);
  });

  it('is due the grace after the start when streaming is expected, even while the session is open', () => {
    const config: CoverageConfig = { ...DEFAULT_COVERAGE_CONFIG, expectStream: true };
    expect(kinds(session(), null, '2026-10-08T14:15:04Z', config)).toEqual([]);
    expect(kinds(session(), null, '2026-10-08T14:15:05Z', config)).toEqual([
      ['missing-transcript', '2026-10-08T14:15:05.000Z'],
    ]);
  });

  it('waits for the maximum session duration when no end was seen and nothing streams (exit logs no TerminateSession)', () => {
    expect(kinds(session(), null, '2026-10-09T14:00:00Z')).toEqual([]);
    expect(kinds(session(), null, '2026-10-09T14:15:05Z')).toEqual([
      ['missing-transcript', '2026-10-09T14:15:05.000Z'],
    ]);
  });

  it('is not raised when the end-of-session transcript arrived, even without TerminateSession', () => {
    const o = seen({ kind: 'final', time: '2026-10-08T14:20:00Z', source: 's3' });
    const result = evaluateSession(session(), o, DEFAULT_COVERAGE_CONFIG, at('2026-10-12T00:00:00Z'));
    expect(result).toEqual({ findings: [], settled: true });
  });

  it('is not raised for SSH, port forwarding or ignored documents', () => {
    for (const documentName of ['AWS-StartSSHSession', 'AWS-StartPortForwardingSessionToRemoteHost', 'Team-Tunnel']) {
      const config = { ...DEFAULT_COVERAGE_CONFIG, portDocuments: ['Team-*'] };
      expect(evaluateSession(session({ documentName, end: null }), null, config, at('2026-10-12T00:00:00Z'))).toEqual({
        findings: [],
        settled: true,
      });
    }
  });

  it('judges sessions of other documents (custom shells, shared by ARN) as shells', () => {
    const documentName = 'arn:aws:ssm:eu-west-1:999988887777:document/Team-RestrictedShell';
    expect(kinds(session({ documentName, end: '2026-10-08T14:10:00Z' }), null, '2026-10-08T15:00:00Z')).toHaveLength(1);
  });
});

describe('streamed sessions', () => {
  const stream = (time: string): TranscriptObservation => ({ kind: 'stream', time });

  it('with the stream and the end-of-session transcript: nothing, and the session is settled', () => {
    const o = seen(
      stream('2026-10-08T14:00:07Z'),
      stream('2026-10-08T14:05:00Z'),
      { kind: 'stream-exit', time: '2026-10-08T14:06:00Z' },
      { kind: 'final', time: '2026-10-08T14:06:02Z', source: 's3' },
    );
    expect(evaluateSession(session(), o, DEFAULT_COVERAGE_CONFIG, at('2026-10-09T18:00:00Z'))).toEqual({
      findings: [],
      settled: true,
    });
  });

  it('a stream cut while the session is open raises stream-stopped after the gap', () => {
    const o = seen(stream('2026-10-08T14:00:07Z'), stream('2026-10-08T14:03:12Z'));
    expect(kinds(session(), o, '2026-10-08T14:33:11Z')).toEqual([]);
    expect(kinds(session(), o, '2026-10-08T14:33:12Z')).toEqual([['stream-stopped', '2026-10-08T14:33:12.000Z']]);
  });

  it('a stream that went quiet for longer than the gap before TerminateSession raises stream-stopped', () => {
    const o = seen(stream('2026-10-08T14:00:07Z'), stream('2026-10-08T14:03:12Z'));
    const s = session({ end: '2026-10-08T15:10:00Z' });
    expect(kinds(s, o, '2026-10-08T14:40:00Z')).toEqual([['stream-stopped', '2026-10-08T14:33:12.000Z']]);
    // ... and once the grace after the end passed, the missing end-of-session transcript too
    expect(kinds(s, o, '2026-10-08T15:25:00Z')).toEqual([
      ['missing-final-transcript', '2026-10-08T15:25:00.000Z'],
      ['stream-stopped', '2026-10-08T14:33:12.000Z'],
    ]);
  });

  it('a session that ended within the gap is not a stopped stream', () => {
    const o = seen(stream('2026-10-08T14:00:07Z'), stream('2026-10-08T14:03:12Z'), {
      kind: 'final',
      time: '2026-10-08T14:25:00Z',
      source: 'cloudwatch',
    });
    expect(kinds(session(), o, '2026-10-08T18:00:00Z')).toEqual([]);
  });

  it('an exit in the stream ends the session: no stream-stopped, but the end-of-session transcript is due', () => {
    const o = seen(stream('2026-10-08T14:00:07Z'), { kind: 'stream-exit', time: '2026-10-08T14:04:00Z' });
    expect(kinds(session(), o, '2026-10-08T14:18:59Z')).toEqual([]);
    expect(kinds(session(), o, '2026-10-08T14:19:00Z')).toEqual([
      ['missing-final-transcript', '2026-10-08T14:19:00.000Z'],
    ]);
    expect(kinds(session(), o, '2026-10-09T14:19:01Z', { ...DEFAULT_COVERAGE_CONFIG, expectFinal: false })).toEqual([]);
  });

  it('an exit of a nested shell followed by more output does not end the session', () => {
    const o = seen(
      stream('2026-10-08T14:00:07Z'),
      { kind: 'stream-exit', time: '2026-10-08T14:01:00Z' },
      stream('2026-10-08T14:02:00Z'),
    );
    expect(kinds(session(), o, '2026-10-08T14:40:00Z', { ...DEFAULT_COVERAGE_CONFIG, expectFinal: false })).toEqual([
      ['stream-stopped', '2026-10-08T14:32:00.000Z'],
    ]);
  });

  it('observations are order-independent and times compare in one format', () => {
    const a = seen(stream('2026-10-08T14:03:12Z'), stream('2026-10-08T14:00:07.000Z'));
    const b = seen(stream('2026-10-08T14:00:07Z'), stream('2026-10-08T14:03:12.000Z'), stream('2026-10-08T14:01:00Z'));
    expect(a).toEqual(b);
    expect(a.lastStream).toBe('2026-10-08T14:03:12.000Z');
  });
});

describe('the alert', () => {
  it('carries the identity, target, start and end, and has one id per session and rule', () => {
    const s = session({ end: '2026-10-08T14:22:41Z', reason: 'rotate logs', mfa: true, eventId: 'ev-1' });
    const [finding] = evaluateSession(s, null, DEFAULT_COVERAGE_CONFIG, at('2026-10-08T15:00:00Z')).findings;
    const alert = coverageAlert(finding!, s, DEFAULT_COVERAGE_CONFIG);
    expect(alert).toMatchObject({
      ruleId: 'sessionwatch-coverage-missing-transcript',
      title: 'Session without transcript',
      severity: 'high',
      category: 'defense-evasion',
      sessionId: 'eve.ops-0e5f6a7b8c9d0e1f2',
      instanceId: 'i-0a1b2c3d4e5f60718',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-10-08T14:37:41.000Z',
      source: 'cloudtrail',
      actor: {
        principalArn: 'arn:aws:iam::111122223333:user/eve.ops',
        type: 'IAMUser',
        sourceIp: '198.51.100.41',
        mfa: true,
        reason: 'rotate logs',
        sessionStart: START,
        sessionEnd: '2026-10-08T14:22:41Z',
        from: 'table',
      },
    });
    expect(alert.id).toMatch(/^[0-9a-f]{32}$/);
    const later = evaluateSession(s, null, DEFAULT_COVERAGE_CONFIG, at('2026-10-09T09:00:00Z')).findings[0]!;
    expect(coverageAlert(later, s, DEFAULT_COVERAGE_CONFIG).id).toBe(alert.id);
    const other = coverageAlert(later, { ...s, sessionId: 'eve.ops-1111111111111111a' }, DEFAULT_COVERAGE_CONFIG);
    expect(other.id).not.toBe(alert.id);
  });

  it('takes the end from the transcript when CloudTrail has none, and the severity from the config', () => {
    const o = seen(
      { kind: 'stream', time: '2026-10-08T14:00:07Z' },
      { kind: 'stream-exit', time: '2026-10-08T14:04:00Z' },
    );
    const config = {
      ...DEFAULT_COVERAGE_CONFIG,
      severity: { ...DEFAULT_COVERAGE_CONFIG.severity, missingFinalTranscript: 'high' as const },
    };
    const [finding] = evaluateSession(session(), o, config, at('2026-10-08T15:00:00Z')).findings;
    const alert = coverageAlert(finding!, session(), config);
    expect(alert.severity).toBe('high');
    expect(alert.actor?.sessionEnd).toBe('2026-10-08T14:04:00.000Z');
    expect(alert.evidence.map((e) => e.value)).toContain('stream 2026-10-08T14:00:07.000Z – 2026-10-08T14:04:00.000Z');
  });
});

describe('a streamed exit', () => {
  const streamed = (command: string, overrides: Partial<CommandRecord> = {}): CommandRecord => ({
    sessionId: 'eve.ops-0e5f6a7b8c9d0e1f2',
    seq: 9,
    command,
    user: 'ssm-user',
    host: null,
    cwd: null,
    root: false,
    time: '2026-10-08T14:04:00.000Z',
    source: 'cloudwatch-stream',
    cancelled: false,
    incomplete: false,
    instanceId: 'i-0a1b2c3d4e5f60718',
    ...overrides,
  });

  it('is `exit`, `exit N` or `logout` as the shell received it, typed and not cancelled, in the stream', () => {
    for (const command of ['exit', 'exit 0', ' logout ']) {
      expect(observeCommand(streamed(command))).toEqual({ kind: 'stream-exit', time: '2026-10-08T14:04:00.000Z' });
    }
    for (const command of ['exit-code', 'echo exit', 'exit; rm -rf /tmp/x', `exit ${'9'.repeat(5)}`]) {
      expect(observeCommand(streamed(command)), command).toBeNull();
    }
    expect(observeCommand(streamed('exit', { cancelled: true }))).toBeNull();
    expect(observeCommand(streamed('exit', { source: 's3' }))).toBeNull();
    expect(observeCommand(streamed('exit', { time: null }))).toBeNull();
  });
});
