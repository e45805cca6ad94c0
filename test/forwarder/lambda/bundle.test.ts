import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsDir } from '../../helpers/paths.js';
import {
  cliAlertIds,
  delivery,
  type Emulators,
  ids,
  logEventsOf,
  SESSIONS,
  s3Record,
  shuffle,
  coldStart as start,
  startEmulators,
  subscriptionEvents,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * The bundled Lambda (dist/lambda/index.mjs, what is deployed), not the sources, against local emulators:
 * dynalite for the state and identity tables, s3rver for transcripts and the IOC source. Alerts go to a file sink.
 */
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

const coldStart = () => start(emu);

describe('the bundled Lambda gives the same alerts as the CLI', () => {
  it.each(SESSIONS)('subscription deliveries of %s', async (sid) => {
    const { handler, delivered } = await coldStart();
    for (const event of subscriptionEvents(sid)) await handler(event);
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.subscription.json`)));
  });

  it.each(SESSIONS)('S3 object event, direct and through SQS, of %s', async (sid) => {
    const { handler, delivered } = await coldStart();
    const record = s3Record(TRANSCRIPT_KEY(sid));
    await handler({ Records: [record] });
    const viaSqs = await handler({
      Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify({ Records: [record] }) }],
    });
    expect(viaSqs).toEqual({ batchItemFailures: [] });
    const got = delivered();
    expect(got.length).toBe(new Set(got.map((a) => a.id)).size); // the second read delivered nothing twice
    expect(ids(got)).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.log`)));
  });
});

describe('deliveries shuffled, split at every event and duplicated give exactly the in-order alerts', () => {
  it.each(SESSIONS)('%s', async (sid) => {
    const inOrder = await coldStart();
    for (const event of subscriptionEvents(sid)) await inOrder.handler(event);
    const expected = ids(inOrder.delivered());

    const messy = await coldStart();
    const events = logEventsOf(sid);
    const deliveries = shuffle([...events, ...events], sid.length * 7919).map(({ payload, logEvent }) =>
      delivery(payload, [logEvent]),
    );
    for (const d of deliveries) await messy.handler(d);
    const got = messy.delivered();
    expect(ids(got)).toEqual(expected);
    expect(got.length).toBe(expected.length); // each alert delivered once, retries and duplicates included
  });
});
