import { writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IdentityResolver } from '../identity/resolver.js';
import { SessionDetector } from '../pipeline/detect.js';
import { loadEngine } from '../pipeline/engine-config.js';
import { loadPlayerAssets } from '../report/assets.js';
import { buildReport, type Collected, collectSessions } from '../report/build.js';
import { renderReportHtml } from '../report/html.js';
import type { ReportData } from '../report/model.js';
import type { Input, ObjectReader } from '../sources/inputs.js';
import type { DecodeError } from '../transcript/events.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  cloudTrailStore,
  FILTER_HELP,
  FILTER_OPTIONS,
  type Filters,
  openInputs,
  parseFilters,
  s3Objects,
  sessionMatches,
  spanMatches,
} from './options.js';
import type { Progress } from './progress.js';

export const REPORT_HELP = `Usage: sessionwatch report FILE|DIR|s3://bucket/prefix|- ... [-o FILE] [options]

Writes one self-contained HTML file (no network needed to open it): every session with who started it, where
(account, region, instance) and when, its command timeline with the alerts marked by severity, and the session
replayed in the browser from its transcript, with a button per command and alert that jumps the replay there.
Secrets in commands and transcripts are masked.

Options:
  -o, --output FILE       where to write the report (default sessionwatch-report.html)
  --title TEXT            the report's title
  --ioc FILE              threat-intel indicators; repeatable
  --rules DIR             your YAML rules (added to the built-in ones); repeatable
  --sigma DIR             SigmaHQ Linux process_creation rules; repeatable
  --cloudtrail FILE       CloudTrail records naming who started each session; repeatable
${COMMON_HELP}

${FILTER_HELP}
  The report keeps the sessions whose time span overlaps --since/--until, and their alerts at --min-severity.

Examples:
  sessionwatch report ./transcripts -o report.html --ioc iocs.txt
  sessionwatch report s3://logs/111122223333/session-logs/ --since 24h --min-severity high -o today.html
  sessionwatch report alice-0a1b2c3d4e5f6a7b8.log --cloudtrail trail.json --title "Incident 4711"
`;

export const DEFAULT_REPORT = 'sessionwatch-report.html';

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: DEFAULT_REPORT },
      title: { type: 'string' },
      ioc: { type: 'string', multiple: true, default: [] },
      rules: { type: 'string', multiple: true, default: [] },
      sigma: { type: 'string', multiple: true, default: [] },
      cloudtrail: { type: 'string', multiple: true, default: [] },
      ...FILTER_OPTIONS,
      ...COMMON_OPTIONS,
    },
  });
  if (values.help) {
    await write(io.stdout, REPORT_HELP);
    return EXIT.ok;
  }
  const filters = parseFilters(values);
  const objects = s3Objects(values['endpoint-url']);
  const run = await reportRun(positionals, io, {
    objects,
    filters,
    sources: { iocs: values.ioc, rules: values.rules, sigma: values.sigma, cloudtrail: values.cloudtrail },
    progress: !values['no-progress'],
    name: 'report',
  });
  const data = await buildReport(run.collected, {
    title: values.title ?? 'sessionwatch report',
    generator: 'sessionwatch report',
    generatedAt: new Date().toISOString(),
    filters: givenFilters(argv),
    actors: new IdentityResolver({ store: run.store }),
    keep: (session, actor) =>
      sessionMatches(filters, session, actor) && spanMatches(filters, session.start, session.end),
  });
  const path = await writeReport(data, values.output);
  await write(io.stdout, `${path}\n`);
  io.stderr.write(`sessionwatch report: ${reportSummary(data)}\n`);
  return run.inputErrors > 0 ? EXIT.usage : EXIT.ok;
}

export interface ReportRun {
  collected: Collected;
  store: Awaited<ReturnType<typeof cloudTrailStore>>;
  inputErrors: number;
}

/** Loads the engine and reads the inputs into sessions and alerts (what report and demo share). */
export async function reportRun(
  args: string[],
  io: CliIo,
  options: {
    objects: () => ObjectReader;
    filters: Filters;
    sources: { iocs: string[]; rules: string[]; sigma: string[]; cloudtrail: string[] };
    progress: boolean;
    name: string;
    inputs?: AsyncIterable<Input>;
  },
): Promise<ReportRun> {
  const { engine, problems } = await loadEngine(options.sources, options.objects).catch((e) => {
    throw new UsageError((e as Error).message);
  });
  for (const p of problems) {
    io.stderr.write(`sessionwatch ${options.name}: ${p.source}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  }
  const store = await cloudTrailStore(options.sources.cloudtrail);
  const detector = new SessionDetector({
    engine,
    actors: new IdentityResolver({ store }),
    minSeverity: options.filters.minSeverity,
  });
  let progress: Progress | null = null;
  let inputs = options.inputs;
  if (!inputs)
    ({ inputs, progress } = await openInputs(args, io, { objects: options.objects, progress: options.progress }));
  let inputErrors = 0;
  const collected = await collectSessions(inputs, {
    detector,
    objects: options.objects,
    problem: (e: DecodeError) => {
      if (e.kind !== 'not-a-transcript' && e.kind !== 'utf8') inputErrors++;
      progress?.done();
      io.stderr.write(`sessionwatch ${options.name}: ${e.message}\n`);
    },
    sessionEnd: () => progress?.session(),
  });
  progress?.done();
  return { collected, store, inputErrors };
}

/** Writes the HTML; returns the path to show (relative when it is under the working directory). */
export async function writeReport(data: ReportData, output: string): Promise<string> {
  const html = renderReportHtml(data, await loadPlayerAssets());
  await writeFile(output, html).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write ${output}: ${e.code ?? e.message}`);
  });
  const rel = relative(process.cwd(), resolve(output));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : resolve(output);
}

export function reportSummary(data: ReportData): string {
  const alerts = data.sessions.reduce((n, s) => n + s.alerts.length, 0);
  const commands = data.sessions.reduce((n, s) => n + s.commands.length, 0);
  return `${data.sessions.length} session${data.sessions.length === 1 ? '' : 's'}, ${commands} commands, ${alerts} alert${alerts === 1 ? '' : 's'}`;
}

/** The filter options as typed, to show on the page. */
function givenFilters(argv: string[]): string[] {
  const names = new Set(Object.keys(FILTER_OPTIONS).map((k) => `--${k}`));
  const shown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s);
    if (!names.has(name!)) continue;
    shown.push(`${name} ${inline ?? argv[++i] ?? ''}`.trim());
  }
  return shown;
}
