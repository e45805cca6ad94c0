import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdentityResolver } from '../../../forwarder/identity/resolver.js';
import { SessionDetector } from '../../../forwarder/pipeline/detect.js';
import { loadEngine } from '../../../forwarder/pipeline/engine-config.js';
import { loadPlayerAssets } from '../../../forwarder/report/assets.js';
import { buildReport, collectSessions } from '../../../forwarder/report/build.js';
import { renderReportHtml } from '../../../forwarder/report/html.js';
import type { ReportData } from '../../../forwarder/report/model.js';
import { EXAMPLE_SESSION_IDS } from '../../helpers/example-sessions.js';
import { fixturesDir, repoRoot, sessionsDir } from '../../helpers/paths.js';
import { parseCast } from '../replay/helpers.js';

const IDS = EXAMPLE_SESSION_IDS;

async function report(paths: string[], iocs: string[] = []): Promise<ReportData> {
  const objects = () => {
    throw new Error('no S3 here');
  };
  const { engine } = await loadEngine({ iocs }, objects);
  async function* inputs() {
    for (const path of paths) yield { name: path, open: () => createReadStream(path) as AsyncIterable<Uint8Array> };
  }
  const collected = await collectSessions(inputs(), {
    detector: new SessionDetector({ engine, actors: new IdentityResolver() }),
    objects,
    problem: (e) => expect.fail(e.message),
  });
  return buildReport(collected, {
    title: 'test',
    generator: 'test',
    generatedAt: '2026-11-01T00:00:00.000Z',
    filters: [],
    actors: new IdentityResolver(),
  });
}

/** The JSON data block of a report page, parsed back. */
function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="sw-data">([^<]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as ReportData;
}

/** What a session's replay shows, as the terminal receives it. */
const screen = (cast: string) =>
  parseCast(cast)
    .events.filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');

describe('the session report', () => {
  it('one entry per session: who, where and when from its formats together, alerts placed on the replay', async () => {
    const files = IDS.flatMap((id) => [join(sessionsDir, `${id}.log`), join(sessionsDir, `${id}.subscription.json`)]);
    const data = await report(files, [join(fixturesDir, 'iocs.txt')]);
    expect(data.sessions.map((s) => s.sessionId).sort()).toEqual(IDS);
    for (const id of IDS) {
      const s = data.sessions.find((x) => x.sessionId === id)!;
      const truth = JSON.parse(readFileSync(join(sessionsDir, `${id}.truth.json`), 'utf8')) as {
        instanceId: string;
        account: string;
        region: string;
        principal: string;
        commands: { command: string }[];
      };
      expect(s.sources).toEqual(['s3', 'cloudwatch-stream']); // the S3 transcript is the one replayed
      expect(s.where).toMatchObject({ instanceId: truth.instanceId, account: truth.account, region: truth.region });
      expect(s.when.start).not.toBeNull();
      expect(s.when.durationSeconds).toBeGreaterThan(0);
      const executed = s.commands.filter((c) => !c.cancelled);
      expect(executed.map((c) => c.command)).toEqual(truth.commands.map((c) => c.command));
      expect(s.commands.every((c) => c.at !== null)).toBe(true);
      expect(parseCast(s.replay.cast).header.version).toBe(2);
    }
    const mallory = data.sessions.find((s) => s.sessionId === IDS[4])!;
    expect(mallory.who).toMatchObject({ name: 'mallory', principalArn: 'arn:aws:iam::444455556666:user/mallory' });
    expect(mallory.highest).toBe('high');
    const ioc = mallory.alerts.find((a) => a.ruleId === 'sw-ioc-contact' && a.command.includes('bad-cdn'))!;
    expect(ioc.seq).not.toBeNull();
    expect(mallory.commands.find((c) => c.seq === ioc.seq)!.alerts).toContain(mallory.alerts.indexOf(ioc));
    // the alert's moment shows its command typed and nothing of its output
    const cast = parseCast(mallory.replay.cast);
    const shown = cast.events
      .filter((e) => e[1] === 'o' && e[0] <= ioc.at!)
      .map((e) => e[2])
      .join('');
    expect(shown.endsWith(ioc.command)).toBe(true);
    // most severe sessions first
    const ranks = data.sessions.map((s) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(s.highest ?? ''));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
  });

  it('a streaming-only session replays at its event times', async () => {
    const data = await report([join(sessionsDir, `${IDS[4]}.cw-stream.jsonl`)]);
    const [s] = data.sessions;
    expect(s!.replay.timing).toBe('recorded');
    expect(s!.commands.every((c) => c.at !== null)).toBe(true);
  });

  it('the page is one file with the player, its script hashes in the CSP, and no network at all', async () => {
    const data = await report([join(sessionsDir, `${IDS[4]}.log`)]);
    const html = renderReportHtml(data, await loadPlayerAssets());
    expect(embedded(html)).toEqual(data);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).toContain('AsciinemaPlayer');
  });

  it('attacker-controlled transcript text cannot close the data block or add markup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-report-'));
    const evil = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><!--';
    const log = [
      'Script started on 2026-10-06 22:47:03+00:00 [COMMAND="cat /var/lib/amazon/ssm/i-0f1e2d3c4b5a69788/session/orchestration/eve-0a1b2c3d4e5f6a7b8/Standard_Stream/ipcTempFile.log" <not executed on terminal>]',
      `\x1b[?2004hsh-5.2$ echo '${evil}'\r\r`,
      `\x1b[?2004l\r${evil}\r\r`,
      '\x1b[?2004hsh-5.2$ exit\r\r',
      '\x1b[?2004l\rexit\r\r',
      '',
      'Script done on 2026-10-06 22:48:03+00:00 [COMMAND_EXIT_CODE="0"]',
      '',
    ].join('\n');
    const file = join(dir, 'eve-0a1b2c3d4e5f6a7b8.log');
    writeFileSync(file, log);
    const data = await report([file]);
    expect(data.sessions[0]!.commands[0]!.command).toBe(`echo '${evil}'`);
    const html = renderReportHtml(data, await loadPlayerAssets());
    const dataBlock = /<script type="application\/json" id="sw-data">([^<]*)<\/script>/.exec(html)![1]!;
    expect(dataBlock).not.toMatch(/[<>&]/);
    expect(html.replace(dataBlock, '')).not.toContain('__pwned'); // only in the data block, escaped
    expect(embedded(html)).toEqual(data);
    expect(screen(embedded(html).sessions[0]!.replay.cast)).toContain(evil);
  });

  it('no secret a user typed is in the page: commands, alerts and the replayed transcript are redacted', async () => {
    const dir = join(repoRoot, 'test/forwarder/redact/fixtures');
    const id = 'jdoe@example.com-s3cr3tsxq2m8x1c7b5n4z0p6r2';
    const data = await report([join(dir, `${id}.log`), join(dir, `${id}.cw-stream.jsonl`)]);
    const html = renderReportHtml(data, await loadPlayerAssets());
    const truth = readFileSync(join(dir, `${id}.truth.json`), 'utf8');
    const secrets = [
      /AKIA[A-Z0-9]{16}/.exec(truth)![0],
      /AWS_SECRET_ACCESS_KEY=([^"\s]+)/.exec(truth)![1]!,
      'CorrectHorse42',
      'TopSecret99',
      'pgpass123',
      'Hunter22x',
      'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgREC4QYxjC0umKDv4',
    ];
    const s = embedded(html).sessions[0]!;
    const shown = [html, screen(s.replay.cast), ...s.commands.map((c) => c.command)].join('\n');
    for (const secret of secrets) expect(shown, `the report leaks ${secret.slice(0, 6)}…`).not.toContain(secret);
    expect(s.replay.masked).toBeGreaterThan(0);
    expect(s.commands.some((c) => c.command.includes('[REDACTED:password]'))).toBe(true);
  });
});
