import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { buildAlert } from '../../../forwarder/alerts/build.js';
import {
  toCef,
  toEcs,
  toHecEvent,
  toNativeJson,
  toOcsf,
  toSnsMessage,
  toSyslog5424,
} from '../../../forwarder/alerts/formats/index.js';
import type { CommandRecord, SessionInfo } from '../../../forwarder/commands/record.js';
import { actorFromTranscript } from '../../../forwarder/identity/resolver.js';
import { deliverAlerts } from '../../../forwarder/sinks/deliver.js';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { MemoryLedger } from '../../../forwarder/sinks/ledger.js';
import { DirSpool } from '../../../forwarder/sinks/spool.js';
import { readCommands } from '../../../forwarder/sources/read-commands.js';
import { detectionFor, readTruth, sessionFromTruth } from '../sinks/helpers/alerts.js';
import { startFakeAws, TEST_CREDENTIALS } from '../sinks/helpers/fake-aws.js';
import { startHecServer } from '../sinks/helpers/hec-server.js';
import { startHttpReceiver } from '../sinks/helpers/http-receiver.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const SESSION = 'jdoe@example.com-s3cr3tsxq2m8x1c7b5n4z0p6r2';
const secrets = JSON.parse(readFileSync(join(FIXTURES, 'secrets.json'), 'utf8')) as {
  accessKeyId: string;
  secretAccessKey: string;
  passwords: string[];
  privateKeyBody: string[];
};
/** Everything the user typed that must never leave the process. */
const FORBIDDEN = [secrets.accessKeyId, secrets.secretAccessKey, ...secrets.passwords, ...secrets.privateKeyBody];

function expectClean(payload: string, where: string) {
  for (const secret of FORBIDDEN) expect(payload.includes(secret), `${where} leaks ${secret.slice(0, 6)}…`).toBe(false);
}

/** An alert on every command of the session: whichever command a rule fires on, its secrets stay in. */
function alertsFor(records: CommandRecord[], session: SessionInfo): Alert[] {
  const actor = actorFromTranscript(session);
  return records.map((r) => buildAlert(detectionFor('credential-access', r.command), r, session, actor));
}

async function decoded(file: string): Promise<Alert[]> {
  const path = join(FIXTURES, file);
  const out: Alert[] = [];
  async function* inputs() {
    yield { name: path, open: () => createReadStream(path) as AsyncIterable<Uint8Array> };
  }
  await readCommands(
    inputs(),
    { record: (r, s) => void out.push(...alertsFor([r], s)), problem: (e) => expect.fail(e.message) },
    { objects: () => expect.fail('no S3 here') },
  );
  return out;
}

function everyFormat(alert: Alert): string {
  const sns = toSnsMessage(alert);
  return [
    JSON.stringify(toNativeJson(alert)),
    JSON.stringify(toOcsf(alert)),
    JSON.stringify(toEcs(alert)),
    JSON.stringify(toHecEvent(alert)),
    toCef(alert),
    toSyslog5424(alert),
    sns.subject,
    sns.message,
    JSON.stringify(sns.messageAttributes),
  ].join('\n');
}

describe('a session in which the user types an AWS key, passwords and pastes a private key', () => {
  const truth = readTruth(join(FIXTURES, `${SESSION}.truth.json`));
  const fromTruth = (() => {
    const { session, records } = sessionFromTruth(truth);
    return alertsFor(records, session);
  })();

  it('the fixture really contains the secrets (the test can fail)', () => {
    const typed = truth.commands.map((c) => c.command).join('\n');
    for (const secret of FORBIDDEN) expect(typed).toContain(secret);
  });

  it('no secret appears in any format, for the commands as the shell received them (one line each)', () => {
    expect(fromTruth.length).toBe(truth.commands.length);
    for (const alert of fromTruth) expectClean(everyFormat(alert), `alert on ${alert.command.slice(0, 20)}`);
    const masked = fromTruth.reduce((n, a) => n + (a.redactions ?? 0), 0);
    expect(masked).toBeGreaterThanOrEqual(FORBIDDEN.length - 1);
    const kinds = new Set(fromTruth.flatMap((a) => Object.keys(a.redactionKinds ?? {})));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'aws-access-key-id',
        'aws-secret-access-key',
        'password',
        'pem-body',
        'private-key',
        'token',
      ]),
    );
  });

  it.each([`${SESSION}.log`, `${SESSION}.cw-stream.jsonl`])(
    'no secret appears in any format for the commands decoded from %s',
    async (file) => {
      const alerts = await decoded(file);
      expect(alerts.length).toBeGreaterThanOrEqual(8);
      for (const alert of alerts) expectClean(everyFormat(alert), `${file}: ${alert.command.slice(0, 20)}`);
    },
  );

  describe('delivered through real sinks', () => {
    let hec: Awaited<ReturnType<typeof startHecServer>>;
    let webhook: Awaited<ReturnType<typeof startHttpReceiver>>;
    let aws: Awaited<ReturnType<typeof startFakeAws>>;
    const dir = mkdtempSync(join(tmpdir(), 'sw-secrets-'));

    beforeAll(async () => {
      hec = await startHecServer('hec-token-1');
      webhook = await startHttpReceiver(() => ({ status: 202 }));
      aws = await startFakeAws();
    });
    afterAll(async () => {
      await Promise.all([hec.close(), webhook.close(), aws.close()]);
    });

    it('HEC, webhook, SNS, file and stdout receive the alerts with every secret masked', async () => {
      const alerts = [...fromTruth, ...(await decoded(`${SESSION}.log`))];
      let stdout = '';
      const sinks = createSinks(
        [
          `hec:${hec.url}`,
          `webhook:${webhook.url}/alerts#burst=0`,
          'sns:arn:aws:sns:eu-west-1:111122223333:alerts?burst=0',
          `file:${join(dir, 'alerts.ocsf')}?format=ocsf`,
          'stdout?format=ecs',
        ],
        {
          env: { SESSIONWATCH_HEC_TOKEN: 'hec-token-1' },
          stdout: (t) => {
            stdout += t;
          },
          sns: () => new SNSClient({ region: 'eu-west-1', endpoint: aws.url, credentials: TEST_CREDENTIALS }),
        },
      );
      const reports = await deliverAlerts(alerts, {
        sinks,
        spool: new DirSpool(join(dir, 'spool')),
        ledger: new MemoryLedger(),
      });
      for (const r of reports)
        expect(r, r.sink).toMatchObject({ spooled: 0, delivered: new Set(alerts.map((a) => a.id)).size });
      const payloads = {
        hec: hec.requests.map((r) => r.body).join('\n'),
        webhook: webhook.requests.map((r) => r.body).join('\n'),
        sns: JSON.stringify(aws.published),
        file: readFileSync(join(dir, 'alerts.ocsf'), 'utf8'),
        stdout,
      };
      for (const [sink, payload] of Object.entries(payloads)) {
        expect(payload.length, sink).toBeGreaterThan(1000);
        expectClean(payload, sink);
        expect(payload, sink).toContain('[REDACTED:');
      }
    });
  });
});
