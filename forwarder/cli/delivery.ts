import type { Alert } from '../alerts/alert.js';
import { openDelivery } from '../sinks/open-delivery.js';
import { type CliIo, UsageError } from './io.js';

type Delivery = ReturnType<typeof openDelivery>;

/** The `--sink` URIs opened (with `--spool`); a bad URI is a usage error. Open before reading, so it fails early. */
export function openSinks(uris: string[], spool: string | undefined, io: CliIo): Delivery {
  try {
    return openDelivery(uris, { env: io.env, ...(spool ? { spool } : {}) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Delivers, says per sink what went where on stderr, closes the sinks; returns how many alerts were spooled. */
export async function deliverAndReport(delivery: Delivery, alerts: Alert[], io: CliIo, command: string) {
  let undelivered = 0;
  try {
    const run = await delivery.deliver(alerts);
    for (const r of run.reports) {
      undelivered += r.spooled;
      const spooled = r.spooled ? `, ${r.spooled} spooled for redrive` : '';
      io.stderr.write(`sessionwatch ${command}: ${r.sink}: ${r.delivered} delivered${spooled}\n`);
      for (const err of r.errors) io.stderr.write(`sessionwatch ${command}: ${r.sink}: ${err}\n`);
    }
  } finally {
    await delivery.close();
  }
  return undelivered;
}
