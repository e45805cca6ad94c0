import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import type { CliIo } from '../../../forwarder/cli/io.js';
import { redriveCommand } from '../../../forwarder/cli/redrive-command.js';
import { deliverAlerts } from '../../../forwarder/sinks/deliver.js';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { openSpool } from '../../../forwarder/sinks/spool-factory.js';
import { fixtureAlerts } from './helpers/alerts.js';
import { type HecServer, startHecServer } from './helpers/hec-server.js';
import { startHttpReceiver } from './helpers/http-receiver.js';
import { freePort } from './helpers/rsyslog.js';

const TOKEN = 'fault-token';
const alerts = fixtureAlerts();
const fast = { sleep: async () => undefined, random: () => 0 };
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function io(env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const cli: CliIo = { stdout, stderr, stdin: new PassThrough(), env };
  return { cli, out: () => out, err: () => err };
}

describe('a sink down for a whole run', () => {
  it('spools every alert, and redrive delivers them later, none twice', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'sw-spool-'));
    const port = await freePort(); // nothing listens: connection refused for the whole run
    const uri = `hec:http://127.0.0.1:${port}`;
    const env = { SESSIONWATCH_HEC_TOKEN: TOKEN };
    const { spool, ledger } = openSpool(spoolDir);

    const reports = await deliverAlerts(alerts, {
      sinks: createSinks([uri], { env, reliability: fast }),
      spool,
      ledger,
    });
    expect(reports).toEqual([
      {
        sink: uri,
        delivered: 0,
        alreadyDelivered: 0,
        spooled: alerts.length,
        errors: [expect.stringMatching(/ECONNREFUSED/)],
      },
    ]);
    // A second run while it is still down spools again (the same alerts twice now).
    await deliverAlerts(alerts.slice(0, 2), { sinks: createSinks([uri], { env, reliability: fast }), spool, ledger });
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toHaveLength(2);

    // Still down: redrive keeps everything and says so.
    const down = io(env);
    expect(await redriveCommand(['--spool', spoolDir], down.cli, { sinks: { reliability: fast } })).toBe(1);
    expect(down.err()).toMatch(/0 delivered, 0 already delivered, \d+ still failing/);

    // The receiver comes up on that port.
    const hec = await startHecServerOn(port);
    const up = io(env);
    expect(await redriveCommand(['--spool', spoolDir, '--sink', uri], up.cli, { sinks: { reliability: fast } })).toBe(
      0,
    );
    expect(hec.accepted.map((e) => e.event.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(up.err()).toContain(`${alerts.length} delivered, 2 already delivered, 0 still failing`);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toHaveLength(0);

    // Redriving again, or delivering the same alerts again, sends nothing.
    expect(await redriveCommand(['--spool', spoolDir], io(env).cli)).toBe(0);
    const again = await deliverAlerts(alerts, {
      sinks: createSinks([uri], { env, reliability: fast }),
      spool,
      ledger: openSpool(spoolDir).ledger,
    });
    expect(again[0]).toMatchObject({ delivered: 0, alreadyDelivered: alerts.length, spooled: 0 });
    expect(hec.accepted).toHaveLength(alerts.length);
  });
});

async function startHecServerOn(port: number): Promise<HecServer> {
  // The HEC stand-in listens on a random port; put a TCP forwarder on the fixed one (the "receiver comes back").
  const hec = await startHecServer(TOKEN);
  const { createServer, connect } = await import('node:net');
  const proxy = createServer((client) => {
    const upstream = connect(hec.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  servers.push(hec, { close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) });
  return hec;
}

describe('a sink failing now and then', () => {
  it('gets every alert; the retried ones are recognisable by id', async () => {
    let n = 0;
    // Every third request fails: 503 before reading, or a connection reset after the body arrived.
    const webhook = await startHttpReceiver(() => {
      n++;
      if (n % 3 === 0) return { status: 503 };
      if (n % 5 === 0) return { status: 500 };
      return { status: 200 };
    });
    servers.push(webhook);
    const hec = await startHecServer(TOKEN);
    servers.push(hec);
    hec.failNext(503, 1);
    hec.failNext(429, 1);
    const spoolDir = mkdtempSync(join(tmpdir(), 'sw-spool-'));
    const many: Alert[] = Array.from({ length: 40 }, (_, i) => ({
      ...alerts[i % alerts.length]!,
      id: `a${String(i).padStart(2, '0')}`,
      time: new Date(Date.UTC(2026, 9, 1, i)).toISOString(),
    }));
    const { spool, ledger } = openSpool(spoolDir);
    const sinks = createSinks([`webhook:${webhook.url}/hook#burst=0`, `hec:${hec.url}`], {
      env: { SESSIONWATCH_HEC_TOKEN: TOKEN },
      reliability: { ...fast, maxAttempts: 6 },
    });
    const reports = await deliverAlerts(many, { sinks, spool, ledger });
    expect(reports.map((r) => [r.delivered, r.spooled])).toEqual([
      [40, 0],
      [40, 0],
    ]);
    const received = webhook.requests.map((r) => r.headers['idempotency-key'] as string);
    expect(new Set(received)).toEqual(new Set(many.map((a) => a.id)));
    expect(received.length).toBeGreaterThan(40); // failed attempts were retried...
    const okBodies = webhook.requests.map((r) => JSON.parse(r.body) as Alert).map((a) => a.id);
    expect(okBodies).toEqual(received); // ...and every copy carries its alert id
    expect(hec.accepted.map((e) => e.event.id).sort()).toEqual(many.map((a) => a.id).sort());
  });
});

describe('a hung receiver', () => {
  it('times out, spools, and leaves no connection behind', async () => {
    const hung = await startHttpReceiver(() => 'hang');
    servers.push(hung);
    const spoolDir = mkdtempSync(join(tmpdir(), 'sw-spool-'));
    const { spool, ledger } = openSpool(spoolDir);
    const sinks = createSinks([`webhook:${hung.url}#burst=0`], {
      timeoutMs: 300,
      reliability: { ...fast, maxAttempts: 2 },
    });
    const reports = await deliverAlerts(alerts.slice(0, 3), { sinks, spool, ledger });
    expect(reports[0]).toMatchObject({
      delivered: 0,
      spooled: 3,
      errors: [expect.stringMatching(/no answer within 300 ms/)],
    });
    expect(hung.requests).toHaveLength(6);
    // Every timed-out request was destroyed by the client.
    for (let i = 0; i < 50 && hung.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(hung.openConnections()).toBe(0);
  });

  it('a syslog receiver that accepts and never reads is cut off too', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((s) => {
      s.pause();
      s.on('error', () => undefined);
      held.push(s);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of held) s.destroy();
          silent.close(() => resolve());
        }),
    });
    const port = (silent.address() as { port: number }).port;
    const [sink] = createSinks([`syslog+tcp://127.0.0.1:${port}`], {
      timeoutMs: 300,
      reliability: { ...fast, maxAttempts: 2 },
    });
    const result = await sink!.send(alerts.slice(0, 2));
    expect(result.delivered).toEqual([]);
    expect(result.failed.map((f) => f.retryable)).toEqual([true, true]);
    expect(held).toHaveLength(2);
    // Let the receiver read again: it finds that the client has closed both connections.
    for (const s of held) s.resume();
    for (let i = 0; i < 50 && held.some((s) => !s.destroyed && !s.readableEnded); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(held.every((s) => s.destroyed || s.readableEnded)).toBe(true);
  });

  it('opens the circuit after repeated failures: later sends spool at once without touching the network', async () => {
    const hung = await startHttpReceiver(() => ({ status: 503 }));
    servers.push(hung);
    const [sink] = createSinks([`webhook:${hung.url}#burst=0`], { reliability: { ...fast, maxAttempts: 10 } });
    const first = await sink!.send(alerts.slice(0, 1));
    expect(first.failed[0]!.error).toMatch(/circuit open/);
    const attempts = hung.requests.length;
    expect(attempts).toBe(5);
    const second = await sink!.send(alerts.slice(1, 2));
    expect(second.failed[0]!.error).toMatch(/circuit open/);
    expect(hung.requests.length).toBe(attempts);
  });
});
