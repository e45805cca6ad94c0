import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IdentityResolver } from '../identity/resolver.js';
import { buildReport } from '../report/build.js';
import { alertSummary, alertTable, plural } from './alert-table.js';
import { colourEnabled, palette } from './colour.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import { parseFilters, s3Objects } from './options.js';
import { DEFAULT_REPORT, reportRun, writeReport } from './report-command.js';

export const DEMO_HELP = `Usage: sessionwatch demo [-o FILE] [--no-color]

Scans the example sessions bundled with sessionwatch (examples/sessions: S3 transcripts and CloudWatch
subscription payloads of six sessions, with the indicators in examples/iocs.txt), prints the alerts, and writes
the HTML report with each session replayable. No AWS account and no network needed. This is what "npm start" runs.

Options:
  -o, --output FILE   where to write the report (default ${DEFAULT_REPORT})
  --no-color          plain output (also when NO_COLOR is set or stdout is not a terminal)
  -h, --help          this help

Examples:
  npm start
  sessionwatch demo -o /tmp/demo.html
`;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: DEFAULT_REPORT },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, DEMO_HELP);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]} (see sessionwatch demo --help)`);
  const root = packageRoot();
  const examples = join(root, 'examples');
  const sessionsDir = join(examples, 'sessions');
  const iocs = join(examples, 'iocs.txt');
  if (!existsSync(sessionsDir) || !existsSync(iocs)) throw new UsageError(`the examples are missing from ${examples}`);

  const colours = palette(colourEnabled(io, values['no-color']));
  const run = await reportRun([sessionsDir], io, {
    objects: s3Objects(undefined),
    filters: parseFilters({ account: [], instance: [], principal: [], 'min-severity': 'info' }),
    sources: { iocs: [iocs], rules: [], sigma: [], cloudtrail: [] },
    progress: false,
    name: 'demo',
  });
  const data = await buildReport(run.collected, {
    title: 'sessionwatch demo: the bundled example sessions',
    generator: 'sessionwatch demo',
    generatedAt: new Date().toISOString(),
    filters: [],
    actors: new IdentityResolver({ store: run.store }),
  });
  const path = await writeReport(data, values.output);
  const { alerts, captures } = run.collected;
  const commands = data.sessions.reduce((n, s) => n + s.commands.length, 0);
  const shown = (p: string) => relative(root, p); // the examples as they are in the package
  const people = new Map(data.sessions.map((s) => [s.sessionId, s.who.email ?? s.who.name]));
  const lines = [
    `${colours.bold('sessionwatch demo')}: ${data.sessions.length} example sessions (${captures.length} transcripts) ` +
      `from ${shown(sessionsDir)}, indicators from ${shown(iocs)}`,
    '',
    alertTable(
      alerts,
      io.stdout.isTTY ? io.stdout.columns : undefined,
      colours,
      (a) => people.get(a.sessionId) ?? null,
    ).trimEnd(),
    '',
    `${alertSummary(alerts, colours)} in ${plural(data.sessions.length, 'session')}, ${plural(commands, 'command')}`,
    `Report: ${colours.bold(path)} (open it in a browser: every session replays, each alert has a button)`,
    '',
    'Next, with your own transcripts (a directory, files, or s3://bucket/prefix):',
    '  npx sessionwatch scan TRANSCRIPTS --ioc IOCS.txt     alerts (a table on a terminal, else JSON lines)',
    '  npx sessionwatch report TRANSCRIPTS -o report.html   this report for them',
    '  npx sessionwatch --help                              every command, with examples',
    '',
  ];
  await write(io.stdout, lines.join('\n'));
  return run.inputErrors > 0 ? EXIT.failure : EXIT.ok;
}

/** The directory of sessionwatch's package.json, wherever this file is (sources, or the bundle in dist/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sessionwatch') {
      return dir;
    }
    if (dirname(dir) === dir) throw new UsageError('cannot find the sessionwatch package (for its examples)');
  }
}
