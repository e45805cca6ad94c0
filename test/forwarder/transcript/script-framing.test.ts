import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogEvent } from '../../../forwarder/transcript/log-events.js';
import { parseScriptDate, parseScriptFooter, parseScriptHeader } from '../../../forwarder/transcript/script-framing.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const fixtureLogs = [sessionsDir, join(fixturesDir, 'generated')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => ({
      log: readFileSync(join(dir, f), 'latin1'),
      truth: JSON.parse(readFileSync(join(dir, f.replace(/\.log$/, '.truth.json')), 'utf8')) as {
        sessionId: string;
        instanceId: string;
        start: string;
      },
    })),
);

/** The regular expressions the parsers replaced (their backtracking is quadratic in the line): the oracle. */
const REFERENCE_HEADER = /^Script started on (.+?)(?: \[(.*)\])?\r?$/;
const REFERENCE_FOOTER = /(?:^|\n)Script done on (.+?)(?: \[COMMAND_EXIT_CODE="?(\d+)"?\])?\r?\n?$/;
const ORCHESTRATION = /\/var\/lib\/amazon\/ssm\/([^/\s"]+)\/session\/orchestration\/([^/\s"]+)\/Standard_Stream\//;

function referenceHeader(line: string) {
  const m = REFERENCE_HEADER.exec(line);
  if (!m) return null;
  const where = m[2] ? ORCHESTRATION.exec(m[2]) : null;
  return { start: parseScriptDate(m[1]!), instanceId: where?.[1] ?? null, sessionId: where?.[2] ?? null };
}

function referenceFooter(tail: string) {
  const m = REFERENCE_FOOTER.exec(tail);
  if (!m) return null;
  return { end: parseScriptDate(m[1]!), exitCode: m[2] ? Number(m[2]) : null, index: m.index };
}

/** Lines made of the pieces that decide a parse: prefixes, brackets, quotes, digits, line breaks, dates. */
const pieces = fc.constantFrom(
  'Script started on ',
  'Script done on ',
  '2026-10-05 14:03:22+00:00',
  'Mon 05 Oct 2026 02:03:22 PM UTC',
  ' [',
  '[',
  ']',
  ' ',
  'COMMAND_EXIT_CODE=',
  ' [COMMAND_EXIT_CODE="',
  '"',
  '0',
  '17',
  'x',
  '\r',
  '\n',
  '\u2028',
  'COMMAND="cat /var/lib/amazon/ssm/i-0aa11bb22cc33dd44/session/orchestration/s-1/Standard_Stream/ipcTempFile.log"',
);
const lines = fc.array(pieces, { maxLength: 12 }).map((p) => p.join(''));

describe('script header and footer', () => {
  it("read every fixture transcript's session, instance, start and exit code", () => {
    expect(fixtureLogs.length).toBeGreaterThanOrEqual(6);
    for (const { log, truth } of fixtureLogs) {
      const header = parseScriptHeader(log.slice(0, log.indexOf('\n')));
      expect(header).toEqual({
        start: new Date(truth.start).toISOString(),
        instanceId: truth.instanceId,
        sessionId: truth.sessionId,
      });
      const footer = parseScriptFooter(log.slice(-512));
      expect(footer?.exitCode, truth.sessionId).toBeTypeOf('number');
      expect(log.slice(-512).slice(footer!.index)).toMatch(/^\nScript done on [^\n]+\n$/);
    }
  });

  it('agree with the regular expressions they replaced on lines built to confuse them', () => {
    fc.assert(
      fc.property(lines, (line) => {
        expect(parseScriptHeader(line)).toEqual(referenceHeader(line));
        expect(parseScriptFooter(line)).toEqual(referenceFooter(line));
        expect(parseScriptFooter(`output\r\n${line}`)).toEqual(referenceFooter(`output\r\n${line}`));
      }),
      { numRuns: 5000 },
    );
  });

  it('take a forged 256 KB header line from a CloudWatch event without backtracking', () => {
    // the replaced expression needed about 35 s of CPU for this line
    const forged = `Script started on ${' ['.repeat(128 * 1024)}`;
    const events = decodeLogEvent(
      { id: 'e1', timestamp: 1, message: forged, logStream: 'eve-0a1b2c3d4e5f6a7b8' },
      {
        sessionId: null,
      },
    );
    expect(events.map((e) => e.type)).toEqual(['terminal']);
    expect(parseScriptHeader(forged)).toEqual({ start: null, instanceId: null, sessionId: null });
    expect(parseScriptFooter(`\nScript done on ${' [COMMAND_EXIT_CODE="1'.repeat(10_000)}]`)?.exitCode).toBe(1);
  });
});
