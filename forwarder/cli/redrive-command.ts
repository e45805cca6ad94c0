import { parseArgs } from 'node:util';
import { createSinks, type SinkDeps } from '../sinks/factory.js';
import { redrive } from '../sinks/redrive.js';
import { openSpool, type SpoolDeps } from '../sinks/spool-factory.js';
import { SinkUriError } from '../sinks/uri.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';

export const REDRIVE_HELP = `Usage: sessionwatch redrive --spool DIR|sqs:QUEUE_URL [--sink URI]... [options]

Delivers again the alerts that sinks could not take (they were written to the spool). Each alert goes to the
sink it was meant for, at most once: ids already delivered to that sink (the ledger) are skipped.

Options:
  --spool DIR|sqs:URL    the spool: a directory (the CLI's) or the dead-letter SQS queue (the Lambda's)
  --sink URI             redrive only entries for this sink (repeatable); default: every sink in the spool
  --state-table TABLE    DynamoDB table of the delivered-ids ledger (default for a directory: DIR/delivered.jsonl)
  --list                 show what is spooled, deliver nothing
  -h, --help             this help

Sink tokens come from the environment as for scan (SESSIONWATCH_HEC_TOKEN, ...).
Exit status: 0 when the spool is empty afterwards, 1 when alerts remain, 2 on bad usage.

Examples:
  sessionwatch redrive --spool ~/.sessionwatch/spool
  sessionwatch redrive --spool ./spool --sink hec:https://splunk.example.com:8088
`;

export interface RedriveDeps {
  sinks?: SinkDeps;
  spool?: SpoolDeps;
}

export async function redriveCommand(argv: string[], io: CliIo, deps: RedriveDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      spool: { type: 'string' },
      sink: { type: 'string', multiple: true, default: [] },
      'state-table': { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, REDRIVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length)
    throw new UsageError(`unexpected argument ${positionals[0]} (see sessionwatch redrive --help)`);
  if (!values.spool) throw new UsageError('--spool DIR|sqs:QUEUE_URL is required');
  const stateTable = values['state-table'] ?? io.env.SESSIONWATCH_STATE_TABLE;
  const { spool, ledger } = openSpool(values.spool, { ...deps.spool, ...(stateTable ? { stateTable } : {}) });

  const entries = await spool.list();
  if (values.list) {
    for (const e of entries) {
      await write(
        io.stdout,
        `${JSON.stringify({ sink: e.sink, alerts: e.alerts.length, attempts: e.attempts, firstFailed: e.firstFailed, error: e.error })}\n`,
      );
    }
    return entries.length ? EXIT.failure : EXIT.ok;
  }
  const uris = values.sink.length ? values.sink : [...new Set(entries.map((e) => e.sink))];
  let sinks: ReturnType<typeof createSinks>;
  try {
    sinks = createSinks(uris, { env: io.env, stdout: (t) => io.stdout.write(t), ...deps.sinks });
  } catch (error) {
    if (error instanceof SinkUriError) throw new UsageError(error.message);
    throw error;
  }
  try {
    const report = await redrive(spool, sinks, ledger);
    io.stderr.write(
      `sessionwatch redrive: ${report.delivered} delivered, ${report.alreadyDelivered} already delivered, ${report.remaining} still failing` +
        `${report.skipped ? `, ${report.skipped} left for other sinks` : ''}\n`,
    );
    return report.remaining > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await Promise.all(sinks.map((s) => s.close()));
  }
}
