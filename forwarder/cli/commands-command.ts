import { parseArgs } from 'node:util';
import type { SessionAnalyzer } from '../../detectors/index.js';
import { type Severity, severityRank } from '../../detectors/model.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { IdentityResolver } from '../identity/resolver.js';
import { loadEngine } from '../pipeline/engine-config.js';
import { readCommands } from '../sources/read-commands.js';
import type { DecodeError } from '../transcript/events.js';
import { colourEnabled, type Palette, palette } from './colour.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  FILTER_HELP,
  FILTER_OPTIONS,
  hasSessionFilters,
  openInputs,
  parseFilters,
  s3Objects,
  sessionMatches,
  timeMatches,
} from './options.js';
import { printable, renderTable } from './table.js';

export const COMMANDS_HELP = `Usage: sessionwatch commands FILE|DIR|s3://bucket/prefix|- ... [options]

Rebuilds the commands the shell received from Session Manager transcripts in any format
(S3 .log objects, CloudWatch exports, subscription payloads, S3/SQS/EventBridge events, gzip of any).

Options:
  --format jsonl|table   jsonl (one record a line) or an aligned table (default: table on a terminal, else jsonl)
  --executed             leave out lines abandoned with Ctrl-C (cancelled: true)
  --ioc FILE, --rules DIR  with --min-severity: the indicators and rules to judge commands by (repeatable)
${COMMON_HELP}

${FILTER_HELP.replace(
  /--min-severity LEVEL {4}info, low, medium, high or critical \(default info\)/,
  '--min-severity LEVEL    only commands that raise an alert at LEVEL or above (built-in rules, --rules, --ioc)',
)}
  A command without a time of its own (S3 transcripts) is dated by its session's start.

Record fields: sessionId, seq, command, user, host, cwd, root, time, source, cancelled, incomplete, instanceId.

Examples:
  sessionwatch commands alice-0a1b2c3d4e5f6a7b8.log
  sessionwatch commands ./transcripts --format table --principal 'alice*' --since 7d
  sessionwatch commands ./transcripts --min-severity high --ioc iocs.txt
  aws s3 cp s3://logs/111122223333/session-logs/ - --recursive | sessionwatch commands -
  sessionwatch commands s3://my-session-logs/111122223333/session-logs/ --format jsonl
`;

export async function commandsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      executed: { type: 'boolean', default: false },
      ioc: { type: 'string', multiple: true, default: [] },
      rules: { type: 'string', multiple: true, default: [] },
      ...FILTER_OPTIONS,
      'min-severity': { type: 'string' },
      ...COMMON_OPTIONS,
    },
  });
  if (values.help) {
    await write(io.stdout, COMMANDS_HELP);
    return EXIT.ok;
  }
  const format = values.format ?? (io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`unknown --format ${format} (jsonl or table)`);
  const severityGiven = values['min-severity'] !== undefined;
  const filters = parseFilters({ ...values, 'min-severity': values['min-severity'] ?? 'info' });
  const objects = s3Objects(values['endpoint-url']);
  const actors = new IdentityResolver();
  const alerting = severityGiven ? await judge(values.ioc, values.rules, filters.minSeverity, objects) : null;
  const { inputs, progress } = await openInputs(positionals, io, { objects, progress: !values['no-progress'] });

  const rows: CommandRecord[] = [];
  const problems: DecodeError[] = [];
  await readCommands(
    inputs,
    {
      record: async (record, session) => {
        // every command goes through the analyzer, which keeps the session's shell state (aliases, variables)
        if (alerting && !alerting.raises(record, session)) return;
        if (values.executed && record.cancelled) return;
        if (!timeMatches(filters, record.time ?? session.start)) return;
        if (hasSessionFilters(filters) && !sessionMatches(filters, session, await actors.resolve(session))) return;
        if (format === 'jsonl') {
          if (io.stdout.isTTY) progress?.done(); // the same terminal: the line goes above the bar
          return write(io.stdout, `${JSON.stringify(record)}\n`);
        }
        rows.push(record);
      },
      sessionEnd: (session) => {
        alerting?.end(session);
        progress?.session();
      },
      problem: (e) => {
        problems.push(e);
        progress?.done();
        io.stderr.write(`sessionwatch: ${e.message}\n`);
      },
    },
    { objects },
  );
  progress?.done();
  if (format === 'table') {
    await write(io.stdout, commandTable(rows, io.stdout.columns, palette(colourEnabled(io, values['no-color']))));
  }
  return problems.some((p) => p.kind !== 'not-a-transcript' && p.kind !== 'utf8') ? EXIT.usage : EXIT.ok;
}

/** Whether a command raises a detection at `minSeverity` or above (each session keeps its shell state). */
async function judge(iocs: string[], rules: string[], minSeverity: Severity, objects: ReturnType<typeof s3Objects>) {
  const { engine } = await loadEngine({ iocs, rules }, objects).catch((e) => {
    throw new UsageError((e as Error).message);
  });
  const analyzers = new Map<SessionInfo, SessionAnalyzer>();
  const min = severityRank(minSeverity);
  return {
    raises(record: CommandRecord, session: SessionInfo): boolean {
      let analyzer = analyzers.get(session);
      if (!analyzer) {
        analyzer = engine.session({
          sessionId: session.sessionId,
          instanceId: session.instanceId,
          account: session.account,
          principalArn: session.principalArn,
        });
        analyzers.set(session, analyzer);
      }
      return analyzer.analyze(record).some((d) => severityRank(d.severity) >= min);
    },
    end: (session: SessionInfo) => analyzers.delete(session),
  };
}

function commandTable(records: CommandRecord[], width = 160, colours: Palette = palette(false)): string {
  return renderTable(
    [
      { header: 'SESSION', max: 30, cut: 'middle' },
      'SEQ',
      { header: 'TIME', drop: 2 },
      { header: 'USER', max: 32, drop: 3 },
      { header: 'CWD', max: 24, drop: 4 },
      { header: 'FLAGS', drop: 1 },
      'COMMAND',
    ],
    records.map((r) => [
      r.sessionId,
      String(r.seq),
      r.time ? r.time.slice(0, 19).replace('T', ' ') : '',
      [r.user ?? '?', r.host].filter(Boolean).join('@'),
      r.cwd ?? '',
      [r.root ? 'root' : '', r.cancelled ? 'cancelled' : '', r.incomplete ? 'incomplete' : '']
        .filter(Boolean)
        .join(','),
      printable(r.command),
    ]),
    width,
    (row, column, text) => (row < 0 ? colours.bold(text) : column === 5 && text.trim() ? colours.dim(text) : text),
  );
}
