import { parseArgs } from 'node:util';
import type { CommandRecord } from '../commands/record.js';
import { expandInputs } from '../sources/inputs.js';
import { readCommands } from '../sources/read-commands.js';
import { s3ObjectReader } from '../sources/s3-reader.js';
import type { DecodeError } from '../transcript/events.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import { printable, renderTable } from './table.js';

export const COMMANDS_HELP = `Usage: sessionwatch commands FILE|DIR|s3://bucket/prefix|- ... [options]

Rebuilds the commands the shell received from Session Manager transcripts in any format
(S3 .log objects, CloudWatch exports, subscription payloads, S3/SQS/EventBridge events, gzip of any).

Options:
  --format jsonl|table   jsonl (one record a line) or an aligned table (default: table on a terminal, else jsonl)
  --executed             leave out lines abandoned with Ctrl-C (cancelled: true)
  --endpoint-url URL     S3 endpoint for s3:// inputs (an emulator, a VPC endpoint)
  -h, --help             this help

Record fields: sessionId, seq, command, user, host, cwd, root, time, source, cancelled, incomplete, instanceId.

Examples:
  sessionwatch commands alice-0a1b2c3d4e5f6a7b8.log
  sessionwatch commands ./transcripts --format table
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
      'endpoint-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, COMMANDS_HELP);
    return EXIT.ok;
  }
  const format = values.format ?? (io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`unknown --format ${format} (jsonl or table)`);

  const rows: CommandRecord[] = [];
  const problems: DecodeError[] = [];
  await readCommands(
    expandInputs(positionals, {
      stdin: io.stdin,
      objects: () => s3ObjectReader({ endpoint: values['endpoint-url'] }),
    }),
    {
      record: (record) => {
        if (values.executed && record.cancelled) return;
        if (format === 'jsonl') return write(io.stdout, `${JSON.stringify(record)}\n`);
        rows.push(record);
      },
      problem: (e) => {
        problems.push(e);
        io.stderr.write(`sessionwatch: ${e.message}\n`);
      },
    },
    { objects: () => s3ObjectReader({ endpoint: values['endpoint-url'] }) },
  );
  if (format === 'table') await write(io.stdout, commandTable(rows, io.stdout.columns));
  return problems.some((p) => p.kind !== 'not-a-transcript' && p.kind !== 'utf8') ? EXIT.usage : EXIT.ok;
}

function commandTable(records: CommandRecord[], width = 160): string {
  return renderTable(
    ['SESSION', 'SEQ', 'TIME', 'USER', 'CWD', 'FLAGS', 'COMMAND'],
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
  );
}
