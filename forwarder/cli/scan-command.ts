import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity, severityRank } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { formatLine, isLineFormat } from '../alerts/formats/index.js';
import { indexSessionEvents } from '../identity/index-event.js';
import { IdentityResolver } from '../identity/resolver.js';
import { MemoryIdentityStore } from '../identity/store.js';
import { SessionDetector } from '../pipeline/detect.js';
import { loadEngine } from '../pipeline/engine-config.js';
import { openDelivery } from '../sinks/open-delivery.js';
import { expandInputs, type ObjectReader } from '../sources/inputs.js';
import { readCommands } from '../sources/read-commands.js';
import { s3ObjectReader } from '../sources/s3-reader.js';
import { alertTable } from './alert-table.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';

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
  --min-severity LEVEL    info, low, medium, high or critical (default info)
  --fail-on LEVEL         exit 3 when an alert at or above LEVEL is raised (for CI)
  --cloudtrail FILE       CloudTrail records (a log file or an array) to name who started each session
  --endpoint-url URL      S3 endpoint for s3:// inputs
  -h, --help              this help

Examples:
  sessionwatch scan ./transcripts --ioc urlhaus.csv
  sessionwatch scan s3://logs/111122223333/session-logs/ --format ocsf --min-severity high
  sessionwatch scan sessions/*.log --sink hec:https://splunk.example.com:8088 --fail-on high
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
      'min-severity': { type: 'string', default: 'info' },
      'fail-on': { type: 'string' },
      cloudtrail: { type: 'string', multiple: true, default: [] },
      'endpoint-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, SCAN_HELP);
    return EXIT.ok;
  }
  const minSeverity = severity(values['min-severity'], '--min-severity');
  const failOn = values['fail-on'] ? severity(values['fail-on'], '--fail-on') : null;
  const format = values.format ?? (values.sink.length > 0 ? null : io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== null && format !== 'table' && !isLineFormat(format)) {
    throw new UsageError(`unknown --format ${format} (table, jsonl, ocsf, ecs, hec or cef)`);
  }
  let reader: ObjectReader | undefined;
  const objects = () => {
    reader ??= s3ObjectReader({ endpoint: values['endpoint-url'] });
    return reader;
  };

  const { engine, problems } = await loadEngine(
    { iocs: values.ioc, rules: values.rules, sigma: values.sigma },
    objects,
  ).catch((e) => {
    throw new UsageError((e as Error).message);
  });
  for (const p of problems)
    io.stderr.write(`sessionwatch scan: ${p.source}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);

  const store = new MemoryIdentityStore();
  for (const file of values.cloudtrail) await indexCloudTrail(file, store);
  const detector = new SessionDetector({ engine, actors: new IdentityResolver({ store }), minSeverity });
  const delivery = values.sink.length > 0 ? openDeliveryOrUsage(values.sink, values.spool, io) : null;

  const alerts: Alert[] = [];
  let inputErrors = 0;
  let commands = 0;
  const sessions = new Set<string>();
  await readCommands(
    expandInputs(positionals, { stdin: io.stdin, objects }),
    {
      record: async (record, session) => {
        commands++;
        sessions.add(session.sessionId);
        for (const alert of await detector.detect(record, session)) {
          alerts.push(alert);
          if (format && format !== 'table') await write(io.stdout, `${formatLine(alert, format)}\n`);
        }
      },
      sessionEnd: (session) => detector.end(session),
      problem: (e) => {
        if (e.kind !== 'not-a-transcript' && e.kind !== 'utf8') inputErrors++;
        io.stderr.write(`sessionwatch scan: ${e.message}\n`);
      },
    },
    { objects },
  );
  if (format === 'table') await write(io.stdout, alertTable(alerts, io.stdout.columns));

  let undelivered = 0;
  if (delivery) {
    try {
      const run = await delivery.deliver(alerts);
      for (const r of run.reports) {
        undelivered += r.spooled;
        const spooled = r.spooled ? `, ${r.spooled} spooled for redrive` : '';
        io.stderr.write(`sessionwatch scan: ${r.sink}: ${r.delivered} delivered${spooled}\n`);
        for (const err of r.errors) io.stderr.write(`sessionwatch scan: ${r.sink}: ${err}\n`);
      }
    } finally {
      await delivery.close();
    }
  }
  io.stderr.write(`sessionwatch scan: ${summary(alerts)} in ${sessions.size} sessions, ${commands} commands\n`);

  if (inputErrors > 0) return EXIT.usage;
  if (failOn && alerts.some((a) => severityRank(a.severity) >= severityRank(failOn))) return EXIT.alerts;
  return undelivered > 0 ? EXIT.failure : EXIT.ok;
}

function severity(value: string, option: string): Severity {
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UsageError(`${option} must be one of ${SEVERITIES.join(', ')}`);
}

function openDeliveryOrUsage(uris: string[], spool: string | undefined, io: CliIo) {
  try {
    return openDelivery(uris, { env: io.env, ...(spool ? { spool } : {}) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function indexCloudTrail(path: string, store: MemoryIdentityStore): Promise<void> {
  if (!(await stat(path).catch(() => null))) throw new UsageError(`cannot read ${path}`);
  const text = await readFile(path, 'utf8');
  const values =
    text.trimStart().startsWith('[') || text.trimStart().startsWith('{"Records"')
      ? [JSON.parse(text)]
      : text
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l));
  for (const v of values) await indexSessionEvents(v, store);
}

function summary(alerts: readonly Alert[]): string {
  const counts = SEVERITIES.map((s) => [s, alerts.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .reverse()
    .map(([s, n]) => `${n} ${s}`);
  return `${alerts.length} alert${alerts.length === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''}`;
}
