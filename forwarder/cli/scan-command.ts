import { parseArgs } from 'node:util';
import { severityRank } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { formatLine, isLineFormat } from '../alerts/formats/index.js';
import { IdentityResolver } from '../identity/resolver.js';
import { SessionDetector } from '../pipeline/detect.js';
import { loadEngine } from '../pipeline/engine-config.js';
import { readCommands } from '../sources/read-commands.js';
import { alertSummary, alertTable, plural } from './alert-table.js';
import { colourEnabled, palette } from './colour.js';
import { deliverAndReport, openSinks } from './delivery.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  cloudTrailStore,
  FILTER_HELP,
  FILTER_OPTIONS,
  hasSessionFilters,
  openInputs,
  parseFilters,
  parseSeverity,
  s3Objects,
  sessionMatches,
  timeMatches,
} from './options.js';

export const SCAN_HELP = `Usage: sessionwatch scan FILE|DIR|s3://bucket/prefix|- ... [options]

Rebuilds the commands of Session Manager transcripts (any format, detected from content) and raises alerts.

Options:
  --ioc FILE              threat-intel indicators (plain or defanged list, URLhaus/Feodo/MISP CSV, STIX 2.1); repeatable
  --rules DIR             your YAML rules (added to the built-in ones; same id replaces); repeatable
  --sigma DIR             SigmaHQ Linux process_creation rules; repeatable
  --format FORMAT         table, jsonl, ocsf, ecs, hec or cef (default: table on a terminal, else jsonl)
  --sink URI              deliver alerts: stdout, file:PATH, sns:ARN, hec:URL, webhook:URL, syslog+tcp://HOST:PORT,
                          syslog+tls://HOST:PORT, s3:BUCKET/PREFIX; repeatable (undelivered alerts are spooled)
  --spool DIR             where undelivered alerts wait for "sessionwatch redrive" (default ~/.local/state/sessionwatch/spool)
  --fail-on LEVEL         exit 3 when an alert at or above LEVEL is raised (for CI)
  --cloudtrail FILE       CloudTrail records (a log file or an array) to name who started each session
${COMMON_HELP}

${FILTER_HELP}
  A command without a time of its own (S3 transcripts) is dated by its session's start.

Exit codes: 0 done (alerts or not), 2 bad usage or unreadable input, 1 undelivered alerts, 3 --fail-on matched.

Examples:
  sessionwatch scan ./transcripts --ioc urlhaus.csv
  sessionwatch scan s3://logs/111122223333/session-logs/ --format ocsf --min-severity high --since 24h
  sessionwatch scan ./transcripts --principal '*@example.com' --account 111122223333
  sessionwatch scan sessions/*.log --sink hec:https://splunk.example.com:8088 --fail-on high
  sessionwatch scan s3://logs/session-logs/ --endpoint-url http://127.0.0.1:4566
`;

export async function scanCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ioc: { type: 'string', multiple: true, default: [] },
      rules: { type: 'string', multiple: true, default: [] },
      sigma: { type: 'string', multiple: true, default: [] },
      format: { type: 'string' },
      sink: { type: 'string', multiple: true, default: [] },
      spool: { type: 'string' },
      'fail-on': { type: 'string' },
      cloudtrail: { type: 'string', multiple: true, default: [] },
      ...FILTER_OPTIONS,
      ...COMMON_OPTIONS,
    },
  });
  if (values.help) {
    await write(io.stdout, SCAN_HELP);
    return EXIT.ok;
  }
  const filters = parseFilters(values);
  const failOn = values['fail-on'] ? parseSeverity(values['fail-on'], '--fail-on') : null;
  const format = values.format ?? (values.sink.length > 0 ? null : io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== null && format !== 'table' && !isLineFormat(format)) {
    throw new UsageError(`unknown --format ${format} (table, jsonl, ocsf, ecs, hec or cef)`);
  }
  const objects = s3Objects(values['endpoint-url']);

  const { engine, problems } = await loadEngine(
    { iocs: values.ioc, rules: values.rules, sigma: values.sigma },
    objects,
  ).catch((e) => {
    throw new UsageError((e as Error).message);
  });
  for (const p of problems)
    io.stderr.write(`sessionwatch scan: ${p.source}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);

  const store = await cloudTrailStore(values.cloudtrail);
  const actors = new IdentityResolver({ store });
  const detector = new SessionDetector({ engine, actors, minSeverity: filters.minSeverity });
  const delivery = values.sink.length > 0 ? openSinks(values.sink, values.spool, io) : null;
  const { inputs, progress } = await openInputs(positionals, io, { objects, progress: !values['no-progress'] });

  const alerts: Alert[] = [];
  let inputErrors = 0;
  let commands = 0;
  const sessions = new Set<string>();
  await readCommands(
    inputs,
    {
      record: async (record, session) => {
        if (!timeMatches(filters, record.time ?? session.start)) return;
        if (hasSessionFilters(filters) && !sessionMatches(filters, session, await actors.resolve(session))) return;
        commands++;
        sessions.add(session.sessionId);
        for (const alert of await detector.detect(record, session)) {
          alerts.push(alert);
          if (format && format !== 'table') {
            if (io.stdout.isTTY) progress?.done(); // the same terminal: the line goes above the bar
            await write(io.stdout, `${formatLine(alert, format)}\n`);
          }
        }
      },
      sessionEnd: (session) => {
        detector.end(session);
        progress?.session();
      },
      problem: (e) => {
        if (e.kind !== 'not-a-transcript' && e.kind !== 'utf8') inputErrors++;
        progress?.done();
        io.stderr.write(`sessionwatch scan: ${e.message}\n`);
      },
    },
    { objects },
  );
  progress?.done();
  if (format === 'table') {
    const colours = palette(colourEnabled(io, values['no-color']));
    await write(io.stdout, alertTable(alerts, io.stdout.columns, colours));
  }

  const undelivered = delivery ? await deliverAndReport(delivery, alerts, io, 'scan') : 0;
  io.stderr.write(
    `sessionwatch scan: ${alertSummary(alerts)} in ${plural(sessions.size, 'session')}, ${plural(commands, 'command')}\n`,
  );

  if (inputErrors > 0) return EXIT.usage;
  if (failOn && alerts.some((a) => severityRank(a.severity) >= severityRank(failOn))) return EXIT.alerts;
  return undelivered > 0 ? EXIT.failure : EXIT.ok;
}
