import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity, severityRank } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { formatLine, isLineFormat } from '../alerts/formats/index.js';
import { MemoryIdentityStore } from '../identity/store.js';
import { type CoverageCheckReport, runCoverageCheck } from '../session-coverage/check.js';
import { CloudTrailInputError, readCloudTrailInput } from '../session-coverage/cloudtrail-input.js';
import {
  type CoverageConfig,
  CoverageConfigError,
  DEFAULT_COVERAGE_CONFIG,
  parseCoverageConfig,
} from '../session-coverage/config.js';
import { DurationError, formatDuration, parseDuration } from '../session-coverage/duration.js';
import { indexForCoverage } from '../session-coverage/index-session.js';
import { readTranscriptObservations } from '../session-coverage/read-transcripts.js';
import { MemoryRaisedStore, MemorySessionIndex, MemoryTranscriptIndex } from '../session-coverage/stores.js';
import { expandInputs, type ObjectReader } from '../sources/inputs.js';
import { s3ObjectReader } from '../sources/s3-reader.js';
import { deliverAndReport, openSinks } from './delivery.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import { printable, renderTable } from './table.js';

export const COVERAGE_HELP = `Usage: sessionwatch coverage --cloudtrail FILE|DIR ... --transcripts DIR ... [options]

Finds the sessions whose transcript never arrived or stopped, and the sessions that are never recorded.
Every CloudTrail StartSession of a shell session must be followed by its transcript (streamed CloudWatch events, or
the end-of-session S3 object / CloudWatch upload) within the grace period after the session ended (TerminateSession,
the end-of-session transcript, or an exit in the stream), or after its start when streaming is expected. SSH and
port-forwarding sessions (Port documents) are never recorded: each raises its own alert.

Options:
  --cloudtrail FILE|DIR   CloudTrail log files ({"Records":[...]}, gzip or not), LookupEvents output, EventBridge
                          events or records (JSON or JSON Lines); repeatable
  --transcripts DIR       exported transcripts in any format (S3 .log, CloudWatch exports, subscription payloads),
                          or s3://bucket/prefix; repeatable
  --grace DURATION        time allowed for a transcript to arrive (default ${formatDuration(DEFAULT_COVERAGE_CONFIG.graceMs)})
  --stream-gap DURATION   longest quiet stream of an open session (default ${formatDuration(DEFAULT_COVERAGE_CONFIG.streamGapMs)}; keep it above the idle timeout)
  --max-session DURATION  a session whose end was never seen is taken as ended this long after it started (default ${formatDuration(DEFAULT_COVERAGE_CONFIG.maxSessionMs)})
  --expect LIST           which transcripts every shell session must have: final, stream or final,stream (default final)
  --config FILE           YAML/JSON coverage settings: allowlist of unrecorded sessions, extra Port documents,
                          severities (see docs/blind-spots.md); the options above override it
  --now ISO               judge as of this time (default: now)
  --format FORMAT         table, jsonl, ocsf, ecs, hec or cef (default: table on a terminal, else jsonl)
  --sink URI              deliver the alerts (stdout, file:PATH, sns:ARN, hec:URL, webhook:URL, syslog+tls://H:P, s3:B/P);
                          repeatable
  --spool DIR             where undelivered alerts wait for "sessionwatch redrive"
  --fail-on LEVEL         exit 3 when an alert at or above LEVEL is raised
  --endpoint-url URL      S3 endpoint for s3:// transcripts
  -h, --help              this help

Durations: 90s, 15m, 2h, 1d.

Examples:
  sessionwatch coverage --cloudtrail ./cloudtrail/ --transcripts ./session-logs/
  sessionwatch coverage --cloudtrail lookup-events.json --transcripts ./logs --expect final,stream --grace 10m
  aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventSource,AttributeValue=ssm.amazonaws.com > ct.json
  sessionwatch coverage --cloudtrail ct.json --transcripts s3://org-session-logs/111122223333/ --format ocsf
`;

export async function coverageCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cloudtrail: { type: 'string', multiple: true, default: [] },
      transcripts: { type: 'string', multiple: true, default: [] },
      grace: { type: 'string' },
      'stream-gap': { type: 'string' },
      'max-session': { type: 'string' },
      expect: { type: 'string' },
      config: { type: 'string' },
      now: { type: 'string' },
      format: { type: 'string' },
      sink: { type: 'string', multiple: true, default: [] },
      spool: { type: 'string' },
      'fail-on': { type: 'string' },
      'endpoint-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, COVERAGE_HELP);
    return EXIT.ok;
  }
  if (positionals.length)
    throw new UsageError(`unexpected argument ${positionals[0]} (use --cloudtrail and --transcripts)`);
  if (values.cloudtrail.length === 0) throw new UsageError('--cloudtrail FILE|DIR is required');
  const config = await loadConfig(values);
  const now = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(now)) throw new UsageError(`--now must be an ISO 8601 time, not ${values.now}`);
  const failOn = values['fail-on'] ? severityOption(values['fail-on']) : null;
  const format = values.format ?? (values.sink.length > 0 ? null : io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== null && format !== 'table' && !isLineFormat(format)) {
    throw new UsageError(`unknown --format ${format} (table, jsonl, ocsf, ecs, hec or cef)`);
  }
  let reader: ObjectReader | undefined;
  const objects = () => {
    reader ??= s3ObjectReader({ endpoint: values['endpoint-url'] });
    return reader;
  };
  const warn = (message: string) => io.stderr.write(`sessionwatch coverage: ${message}\n`);

  // 1. CloudTrail: who started which session, when it was terminated; Port documents raise their alert here.
  const identities = new MemoryIdentityStore();
  const sessions = new MemorySessionIndex();
  const unrecorded = new Map<string, Alert>();
  let badInputs = 0;
  const counts = { indexed: 0, duplicate: 0, resumed: 0, terminated: 0, ignored: 0, rejected: 0 };
  for await (const input of expandInputs(values.cloudtrail, { stdin: io.stdin, objects })) {
    let records: unknown[];
    try {
      records = await readCloudTrailInput(input);
    } catch (error) {
      if (!(error instanceof CloudTrailInputError)) throw error;
      badInputs++;
      warn(error.message);
      continue;
    }
    for (const record of records) {
      const { result, alert } = await indexForCoverage(record, {
        identities,
        sessions,
        config,
        actorFrom: 'cloudtrail',
      });
      counts[result.status]++;
      if (result.status === 'rejected') warn(`${input.name}: ${result.error}`);
      if (alert && Date.parse(alert.time!) <= now) unrecorded.set(alert.id, alert);
    }
  }

  // 2. Transcripts: which sessions streamed (and when), which have their end-of-session transcript.
  const transcripts = new MemoryTranscriptIndex();
  const read = values.transcripts.length
    ? await readTranscriptObservations(expandInputs(values.transcripts, { stdin: io.stdin, objects }), transcripts, {
        objects,
        now: new Date(now).toISOString(),
      })
    : { sessions: 0, problems: [] };
  for (const p of read.problems) {
    if (p.kind !== 'not-a-transcript' && p.kind !== 'utf8') badInputs++;
    warn(p.message);
  }

  // 3. The same check the scheduled Lambda runs, over every session of the export, at --now.
  const report = await runCoverageCheck({
    clock: () => now,
    sessions,
    identities,
    transcripts,
    raised: new MemoryRaisedStore(),
    deliver: async () => undefined,
    config: { ...config, lookbackMs: null },
    actorFrom: 'cloudtrail',
  });
  const alerts = [...unrecorded.values(), ...report.raised].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));

  if (format === 'table') await write(io.stdout, coverageTable(alerts, io.stdout.columns));
  else if (format) for (const alert of alerts) await write(io.stdout, `${formatLine(alert, format)}\n`);
  const undelivered = values.sink.length
    ? await deliverAndReport(openSinks(values.sink, values.spool, io), alerts, io, 'coverage')
    : 0;
  warn(summary(counts.indexed + counts.duplicate, read.sessions, report, unrecorded.size));

  if (badInputs > 0) return EXIT.usage;
  if (failOn && alerts.some((a) => severityRank(a.severity) >= severityRank(failOn))) return EXIT.alerts;
  return undelivered > 0 ? EXIT.failure : EXIT.ok;
}

async function loadConfig(values: {
  config?: string | undefined;
  grace?: string | undefined;
  'stream-gap'?: string | undefined;
  'max-session'?: string | undefined;
  expect?: string | undefined;
}): Promise<CoverageConfig> {
  let config = DEFAULT_COVERAGE_CONFIG;
  try {
    if (values.config) {
      const text = await readFile(values.config, 'utf8').catch((e: Error) => {
        throw new UsageError(`cannot read --config ${values.config}: ${e.message}`);
      });
      config = parseCoverageConfig(text, values.config);
    }
    const option = (value: string | undefined, name: string) =>
      value === undefined ? undefined : parseDuration(value, name);
    const expect = values.expect?.split(',').map((s) => s.trim());
    if (expect?.some((e) => e !== 'final' && e !== 'stream')) {
      throw new UsageError(`--expect takes final, stream or final,stream, not ${values.expect}`);
    }
    return {
      ...config,
      graceMs: option(values.grace, '--grace') ?? config.graceMs,
      streamGapMs: option(values['stream-gap'], '--stream-gap') ?? config.streamGapMs,
      maxSessionMs: option(values['max-session'], '--max-session') ?? config.maxSessionMs,
      ...(expect ? { expectFinal: expect.includes('final'), expectStream: expect.includes('stream') } : {}),
    };
  } catch (error) {
    if (error instanceof DurationError || error instanceof CoverageConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function severityOption(value: string): Severity {
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
}

function summary(started: number, transcripts: number, report: CoverageCheckReport, unrecorded: number): string {
  const byRule = new Map<string, number>();
  for (const a of report.raised) byRule.set(a.ruleId, (byRule.get(a.ruleId) ?? 0) + 1);
  const gaps = [...byRule].map(([rule, n]) => `${n} ${rule.replace('sessionwatch-coverage-', '')}`).join(', ');
  return (
    `${started} sessions started, ${report.checked} checked as of ${report.now}, ` +
    `${transcripts} transcripts read; ${gaps || 'no coverage gap'}; ${unrecorded} unrecorded (SSH/port forwarding)`
  );
}

function coverageTable(alerts: readonly Alert[], width = 160): string {
  return renderTable(
    ['SEVERITY', 'RULE', 'TIME', 'SESSION', 'WHO', 'TARGET', 'WHAT'],
    alerts.map((a) => [
      a.severity.toUpperCase(),
      a.ruleId.replace('sessionwatch-coverage-', ''),
      a.time ? a.time.slice(0, 19).replace('T', ' ') : '',
      a.sessionId,
      a.actor?.email ?? a.actor?.name ?? '?',
      a.instanceId ?? '',
      printable(a.evidence.find((e) => e.detail?.startsWith('due '))?.value ?? a.title),
    ]),
    width,
  );
}
