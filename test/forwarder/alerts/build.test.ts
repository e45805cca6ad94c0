import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { buildAlert } from '../../../forwarder/alerts/build.js';
import { alertId } from '../../../forwarder/alerts/id.js';
import type { CommandRecord, SessionInfo } from '../../../forwarder/commands/record.js';
import { readCommands } from '../../../forwarder/sources/read-commands.js';
import { sessionsDir } from '../../helpers/paths.js';
import { detectionFor, readTruth, sessionFromTruth, truthFiles } from '../sinks/helpers/alerts.js';

async function decode(file: string): Promise<{ record: CommandRecord; session: SessionInfo }[]> {
  const out: { record: CommandRecord; session: SessionInfo }[] = [];
  async function* inputs() {
    yield { name: file, open: () => createReadStream(file) as AsyncIterable<Uint8Array> };
  }
  await readCommands(
    inputs(),
    { record: (record, session) => void out.push({ record, session }), problem: () => undefined },
    { objects: () => expect.fail('no S3') },
  );
  return out;
}

describe('alert ids', () => {
  it('are 32 hex digits of sha256(sessionId, ruleId, whitespace-normalised command)', () => {
    const id = alertId('s-1', 'rule', 'sudo  su   -');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(alertId('s-1', 'rule', ' sudo su - ')).toBe(id);
    expect(alertId('s-1', 'rule', 'sudo su')).not.toBe(id);
    expect(alertId('s-2', 'rule', 'sudo su -')).not.toBe(id);
    expect(alertId('s-1', 'other', 'sudo su -')).not.toBe(id);
  });

  it('are the same whichever path (S3 object or CloudWatch stream) found the command', async () => {
    let compared = 0;
    for (const truthFile of truthFiles()) {
      const truth = readTruth(truthFile);
      const base = join(sessionsDir, truth.sessionId);
      const [s3, stream] = await Promise.all([decode(`${base}.log`), decode(`${base}.cw-stream.jsonl`)]);
      const ids = (found: typeof s3) =>
        new Map(
          found.map(({ record, session }) => [
            record.command,
            buildAlert(detectionFor('discovery', record.command), record, session, null).id,
          ]),
        );
      const fromS3 = ids(s3);
      const fromStream = ids(stream);
      for (const [command, id] of fromStream) {
        if (!fromS3.has(command)) continue; // the lossy stream may garble an edited line; the S3 path catches it
        expect(fromS3.get(command), command).toBe(id);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe('buildAlert', () => {
  const truth = readTruth(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.truth.json'));
  const { session, records } = sessionFromTruth(truth);
  const record = records[1]!; // sudo su -

  it('carries the detection, the command record and the session', () => {
    const alert = buildAlert(detectionFor('privilege-escalation', record.command), record, session, null, {
      transcript: { bucket: 'logs', key: `ssm/${truth.sessionId}.log` },
    });
    expect(alert).toMatchObject<Partial<Alert>>({
      ruleId: 'test.privilege-escalation',
      severity: 'high',
      category: 'privilege-escalation',
      attack: ['T1548.003'],
      sessionId: truth.sessionId,
      command: 'sudo su -',
      seq: 2,
      instanceId: 'i-0f1e2d3c4b5a69788',
      account: '444455556666',
      region: 'us-east-1',
      user: 'ssm-user',
      source: 's3',
      transcript: { bucket: 'logs', key: `ssm/${truth.sessionId}.log` },
    });
    expect(alert.redactions).toBeUndefined();
    expect(alert.id).toBe(alertId(truth.sessionId, 'test.privilege-escalation', 'sudo su -'));
  });

  it('redacts before computing the id, so no id can be brute-forced back to a secret', () => {
    const typed = { ...record, command: 'mysql -u root -pS3cretPw db' };
    const alert = buildAlert(detectionFor('credential-access', typed.command), typed, session, null);
    expect(alert.command).toBe('mysql -u root -p[REDACTED:password] db');
    expect(alert.evidence[0]!.value).toBe('mysql');
    expect(alert).toMatchObject({ redactions: 1, redactionKinds: { password: 1 } });
    expect(alert.id).toBe(alertId(truth.sessionId, 'test.credential-access', alert.command));
  });
});
