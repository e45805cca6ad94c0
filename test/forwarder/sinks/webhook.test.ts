import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { webhookSignature } from '../../../forwarder/sinks/webhook.js';
import { fixtureAlerts } from './helpers/alerts.js';
import { makeTestPki } from './helpers/certs.js';
import { type HttpReceiver, startHttpReceiver } from './helpers/http-receiver.js';

const alerts = fixtureAlerts();
let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('webhook sink', () => {
  it('posts one JSON alert per request with an idempotency key and an HMAC signature the receiver can verify', async () => {
    receiver = await startHttpReceiver(() => ({ status: 204 }));
    const [sink] = createSinks([`webhook:${receiver.url}/in?tenant=sec#format=ocsf&burst=0`], {
      env: { SESSIONWATCH_WEBHOOK_SECRET: 'whsec-test' },
    });
    const result = await sink!.send(alerts);
    expect(result.failed).toEqual([]);
    expect(receiver.requests).toHaveLength(alerts.length);
    for (const req of receiver.requests) {
      expect(req.url).toBe('/in?tenant=sec');
      const finding = JSON.parse(req.body) as { class_uid: number; finding_info: { uid: string } };
      expect(finding.class_uid).toBe(2004);
      expect(req.headers['idempotency-key']).toBe(finding.finding_info.uid);
      const ts = req.headers['x-sessionwatch-timestamp'] as string;
      expect(req.headers['x-sessionwatch-signature']).toBe(webhookSignature('whsec-test', ts, req.body));
    }
  });

  it('speaks mTLS: presents a client certificate and trusts the given CA', async () => {
    const pki = makeTestPki();
    receiver = await startHttpReceiver(() => ({ status: 200 }), {
      key: pki.serverKey,
      cert: pki.serverCert,
      ca: pki.ca,
      requestCert: true,
    });
    const env = {
      SESSIONWATCH_WEBHOOK_CA: pki.caFile,
      SESSIONWATCH_WEBHOOK_CERT: pki.clientCertFile,
      SESSIONWATCH_WEBHOOK_KEY: pki.clientKeyFile,
    };
    const [sink] = createSinks([`webhook:${receiver.url.replace('127.0.0.1', 'localhost')}/in#burst=0`], { env });
    expect((await sink!.send(alerts.slice(0, 2))).delivered).toHaveLength(2);
    const [anonymous] = createSinks([`webhook:${receiver.url}/in#burst=0`], {
      env: { SESSIONWATCH_WEBHOOK_CA: pki.caFile },
      reliability: { maxAttempts: 1 },
    });
    const refused = await anonymous!.send(alerts.slice(0, 1));
    expect(refused.delivered).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
  });

  it('does not retry a 4xx rejection', async () => {
    receiver = await startHttpReceiver(() => ({ status: 422 }));
    const [sink] = createSinks([`webhook:${receiver.url}#burst=0`], { reliability: { sleep: async () => undefined } });
    const result = await sink!.send(alerts.slice(0, 1) as Alert[]);
    expect(result.failed).toEqual([{ id: alerts[0]!.id, error: 'webhook 422', retryable: false }]);
    expect(receiver.requests).toHaveLength(1);
  });
});
