import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from './certs.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
export const hasRsyslog = () => existsSync(RSYSLOGD);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rsyslogd did not listen on ${port}: ${log()}`);
}

export interface ReceivedSyslog {
  msgid: string;
  app: string;
  hostname: string;
  severity: number;
  structuredData: string;
  msg: string;
}

/**
 * rsyslogd from Debian, as a foreground process with its own config, pid file and work directory, receiving
 * RFC 5425 octet-counted messages over TCP (or TLS with a certificate made for the test) and writing what it
 * parsed (MSGID, APP-NAME, HOSTNAME, severity, structured data, MSG) to a file the test reads back.
 */
export async function startRsyslog(options: { tls: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'sw-rsyslog-'));
  mkdirSync(join(dir, 'work'));
  const port = await freePort();
  const out = join(dir, 'received.log');
  const pki: TestPki | null = options.tls ? makeTestPki() : null;
  const tlsGlobal = pki
    ? ` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${pki.caFile}" defaultNetstreamDriverCertFile="${pki.serverCertFile}" defaultNetstreamDriverKeyFile="${pki.serverKeyFile}"`
    : '';
  const tlsModule = pki ? ' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"' : '';
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${join(dir, 'work')}" maxMessageSize="64k"${tlsGlobal})
module(load="imtcp"${tlsModule})
input(type="imtcp" port="${port}" address="127.0.0.1")
template(name="fields" type="string" string="%msgid%\\t%app-name%\\t%hostname%\\t%syslogseverity%\\t%structured-data%\\t%msg:::json%\\n")
action(type="omfile" file="${out}" template="fields")
`,
  );
  let stderr = '';
  const child = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (stderr += d));
  child.stderr?.on('data', (d) => (stderr += d));
  await waitForPort(port, child, () => stderr);
  const read = (): ReceivedSyslog[] =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [msgid, app, hostname, severity, structuredData, msg] = line.split('\t');
            return {
              msgid: msgid!,
              app: app!,
              hostname: hostname!,
              severity: Number(severity),
              structuredData: structuredData!,
              msg: JSON.parse(`"${msg}"`) as string,
            };
          })
      : [];
  return {
    port,
    pki,
    read,
    /** Waits until rsyslog wrote at least `count` messages. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedSyslog[]> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = read();
        if (got.length >= count || Date.now() > until) return got;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
    async close() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
      if (pki) rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}

export type Rsyslog = Awaited<ReturnType<typeof startRsyslog>>;
