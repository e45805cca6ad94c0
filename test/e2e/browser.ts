import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { repoRoot } from '../helpers/paths.js';

/** Debian's chromium (apt-get install chromium; listed in .ci/apt-packages). */
export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS = join(repoRoot, 'test-results');

export interface Browser {
  context: BrowserContext;
  /** Every request that was not for a file:// or data: URL (a report must make none). */
  network: string[];
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile, no background traffic, and anything but file:// and data: refused. */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  mkdirSync(RESULTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'sw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const network: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    network.push(url);
    return route.abort();
  });
  return {
    context,
    network,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
