import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { fixtureAlerts } from './helpers/alerts.js';
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from './helpers/fake-aws.js';
import { type HecServer, startHecServer } from './helpers/hec-server.js';

const TOKEN = '8f2b6a1e-5d4c-4b3a-9e8f-7a6b5c4d3e2f';
const alerts = fixtureAlerts();
const fast = { reliability: { sleep: async () => undefined, random: () => 0 } };
let hec: HecServer;
beforeEach(async () => {
  hec = await startHecServer(TOKEN);
});
afterEach(async () => {
  await hec.close();
});

describe('HEC sink', () => {
  it('batches, gzips and authenticates with Authorization: Splunk <token>', async () => {
    const [sink] = createSinks([`hec:${hec.url}?index=security`], { env: { SESSIONWATCH_HEC_TOKEN: TOKEN }, ...fast });
    const result = await sink!.send(alerts);
    expect(result).toEqual({ delivered: alerts.map((a) => a.id), failed: [] });
    expect(hec.requests).toHaveLength(1);
    const req = hec.requests[0]!;
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(req.headers['x-splunk-request-channel']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hec.accepted.map((e) => e.event.id)).toEqual(alerts.map((a) => a.id));
    expect(hec.accepted[0]).toMatchObject({
      sourcetype: 'sessionwatch:alert',
      index: 'security',
      fields: { alert_id: alerts[0]!.id },
    });
  });

  it('retries 503 (busy, code 9) and 429 with backoff, and delivers everything', async () => {
    hec.failNext(503, 2);
    hec.failNext(429, 1);
    const [sink] = createSinks([`hec:${hec.url}`], { env: { SESSIONWATCH_HEC_TOKEN: TOKEN }, ...fast });
    const result = await sink!.send(alerts);
    expect(result.failed).toEqual([]);
    expect(hec.requests).toHaveLength(4);
    expect(hec.accepted.map((e) => e.event.id)).toEqual(alerts.map((a) => a.id));
  });

  it('does not retry a rejected token, and says why without showing the token', async () => {
    const [sink] = createSinks([`hec:${hec.url}`], { env: { SESSIONWATCH_HEC_TOKEN: 'wrong-token' }, ...fast });
    const result = await sink!.send(alerts.slice(0, 3));
    expect(hec.requests).toHaveLength(1);
    expect(result.failed.map((f) => [f.error, f.retryable])).toEqual(Array(3).fill(['HEC 403 code 4', false]));
    expect(JSON.stringify(result)).not.toContain('wrong-token');
  });

  it('sends many alerts in several requests of bounded size', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ ...alerts[i % alerts.length]!, id: `id-${i}` }));
    const [sink] = createSinks([`hec:${hec.url}`], { env: { SESSIONWATCH_HEC_TOKEN: TOKEN }, ...fast });
    const result = await sink!.send(many);
    expect(result.delivered).toHaveLength(250);
    expect(hec.requests.length).toBe(3);
  });

  it('reads the token from Secrets Manager when SESSIONWATCH_HEC_TOKEN_SECRET_ARN is set', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:sessionwatch/hec-AbCdEf';
    const aws: FakeAws = await startFakeAws({ secrets: { [arn]: JSON.stringify({ token: TOKEN }) } });
    try {
      const [sink] = createSinks([`hec:${hec.url}`], {
        env: { SESSIONWATCH_HEC_TOKEN_SECRET_ARN: arn },
        secretsManager: () =>
          new SecretsManagerClient({ region: 'eu-west-1', endpoint: aws.url, credentials: TEST_CREDENTIALS }),
        ...fast,
      });
      expect((await sink!.send(alerts)).failed).toEqual([]);
      expect((await sink!.send(alerts)).failed).toEqual([]);
      expect(aws.calls.filter((c) => c === 'GetSecretValue')).toHaveLength(1); // cached
    } finally {
      await aws.close();
    }
  });

  it('refuses to start without a token', () => {
    expect(() => createSinks([`hec:${hec.url}`], { env: {} })).toThrow(/SESSIONWATCH_HEC_TOKEN/);
  });
});
