import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsDir } from '../../helpers/paths.js';
import {
  captureOutput,
  cliAlertIds,
  coldStart,
  type Emulators,
  ids,
  SESSIONS,
  s3Record,
  startEmulators,
  subscriptionEvents,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * Two paths, one alert: the stream alerts first; the end-of-session S3 transcript is analysed again in full and
 * raises only what the stream missed (same ids; the delivered-ids ledger in the idempotency table says which).
 */
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

const alertsMetric = (metrics: Record<string, number>) =>
  Object.entries(metrics)
    .filter(([name]) => /^Alerts(Info|Low|Medium|High|Critical)$/.test(name))
    .reduce((n, [, v]) => n + v, 0);

const missedByStream: Record<string, number> = {};

describe('stream first, then the S3 transcript', () => {
  it.each(SESSIONS)('%s: the transcript raises only what the stream missed', async (sid) => {
    const { handler, delivered, tables } = await coldStart(emu, { POWERTOOLS_METRICS_DISABLED: 'false' });
    await captureOutput(async () => {
      for (const event of subscriptionEvents(sid)) await handler(event);
    });
    const fromStream = ids(delivered());

    const { output } = await captureOutput(() => handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }));
    const fromTranscript = await cliAlertIds(join(sessionsDir, `${sid}.log`));
    const missed = fromTranscript.filter((id) => !fromStream.includes(id));
    missedByStream[sid] = missed.length;

    const all = delivered();
    expect(all.length).toBe(new Set(all.map((a) => a.id)).size); // no id delivered twice
    expect(ids(all)).toEqual([...new Set([...fromStream, ...fromTranscript])].sort());
    expect(alertsMetric(output.metrics)).toBe(missed.length);
    expect(output.metrics.AlreadyRaised ?? 0).toBe(fromTranscript.length - missed.length);

    // the idempotency records: one item per delivered id and sink
    const items = await emu.dynamo.client.send(new ScanCommand({ TableName: tables.idempotency }));
    const ledger = (items.Items ?? []).map((i) => i.pk!.S!).filter((pk) => pk.startsWith('delivered#'));
    expect(ledger.map((pk) => pk.split('#').at(-1)).sort()).toEqual(ids(all));
  });

  it('the fixtures include sessions whose stream lost a command the transcript has', () => {
    expect(Object.values(missedByStream).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the S3 transcript first, then a late stream', () => {
  it.each(SESSIONS)('%s: the stream raises nothing the transcript raised', async (sid) => {
    const { handler, delivered } = await coldStart(emu, { POWERTOOLS_METRICS_DISABLED: 'false' });
    await captureOutput(() => handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }));
    const fromTranscript = ids(delivered());
    const { output } = await captureOutput(async () => {
      for (const event of subscriptionEvents(sid)) await handler(event);
    });
    const all = delivered();
    expect(all.length).toBe(new Set(all.map((a) => a.id)).size);
    const fromStreamOnly = ids(all).filter((id) => !fromTranscript.includes(id));
    expect(alertsMetric(output.metrics)).toBe(fromStreamOnly.length);
    expect(fromStreamOnly).toEqual([]); // in these sessions the stream never sees more than the transcript
  });
});
