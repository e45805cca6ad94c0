import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { fixtureAlerts } from './helpers/alerts.js';
import { type Rsyslog, startRsyslog } from './helpers/rsyslog.js';

const alerts = fixtureAlerts();
const noWait = { reliability: { sleep: async () => undefined } };

describe.each([false, true])('syslog sink into rsyslogd (tls: %s)', (tls) => {
  let rsyslog: Rsyslog;
  beforeAll(async () => {
    rsyslog = await startRsyslog({ tls });
  });
  afterAll(async () => {
    await rsyslog?.close();
  });

  it('delivers every alert as RFC 5424 + CEF with octet counting, and rsyslog parses each one', async () => {
    const uri = tls
      ? `syslog+tls://127.0.0.1:${rsyslog.port}?ca=${rsyslog.pki!.caFile}`
      : `syslog+tcp://127.0.0.1:${rsyslog.port}`;
    const [sink] = createSinks([uri], noWait);
    const result = await sink!.send(alerts);
    expect(result.failed).toEqual([]);
    expect(result.delivered).toEqual(alerts.map((a) => a.id));
    const got = await rsyslog.waitFor(alerts.length);
    expect(got).toHaveLength(alerts.length);
    for (const [i, alert] of alerts.entries()) {
      const r = got[i]!;
      expect(r).toMatchObject({ msgid: 'alert', app: 'sessionwatch' });
      expect(r.structuredData).toContain(`id="${alert.id}"`);
      expect(r.msg.startsWith(`CEF:0|sessionwatch|sessionwatch|`)).toBe(true);
      expect(r.msg).toContain(`externalId=${alert.id}`);
      expect(r.severity).toBe({ critical: 2, high: 3, medium: 4, low: 5, info: 6 }[alert.severity]);
    }
  });

  if (tls) {
    it('refuses a receiver whose certificate it cannot verify (no CA given), and reports it as retryable', async () => {
      const [sink] = createSinks([`syslog+tls://127.0.0.1:${rsyslog.port}`], { reliability: { maxAttempts: 1 } });
      const result = await sink!.send(alerts.slice(0, 2));
      expect(result.delivered).toEqual([]);
      expect(result.failed[0]!.error).toMatch(/certificate/i);
    });
  }
});
