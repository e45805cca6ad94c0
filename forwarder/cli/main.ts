import { type CliIo, EXIT, processIo, UsageError } from './io.js';

export const HELP = `Usage: sessionwatch COMMAND [options]

Security alerts from AWS Session Manager transcripts.

Commands:
  demo       scan the bundled example sessions and write an HTML report (what "npm start" runs)
  scan       raise alerts from transcripts (any format), deliver them to a SIEM or SNS
  commands   rebuild the commands typed in sessions
  report     one HTML file: sessions, who/where/when, command timelines, alerts, replay in the browser
  replay     export a session as an asciicast v2 recording
  rules      test, lint and scaffold detection rules
  redrive    deliver alerts that waited in the spool
  coverage   find sessions whose transcript never arrived, and unrecorded SSH/port-forwarding sessions
  posture    check an account's Session Manager preferences, open SSH/RDP ports and instance profiles
  help       this help

Inputs are files, directories, s3://bucket/prefix (standard AWS credential chain) or - for stdin, in any
transcript format: S3 .log objects, CloudWatch Logs exports, subscription payloads, S3/SQS/EventBridge events, gzip.
Colours only on a terminal and never with NO_COLOR. Exit codes: 0 done, 2 bad usage or unreadable input,
1 other failures, 3 alerts at --fail-on.

Examples:
  sessionwatch demo
  sessionwatch scan ./transcripts --ioc iocs.txt --since 24h
  sessionwatch report s3://logs/111122223333/session-logs/ --min-severity high -o report.html
  sessionwatch replay mallory-09f8e7d6c5b4a3921.log --cast mallory.cast

Run "sessionwatch COMMAND --help" for a command's options and examples.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Each command is loaded when used, so a run pays only for what it needs (the AWS SDK, the engine, ...). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo-command.js')).demoCommand,
  report: async () => (await import('./report-command.js')).reportCommand,
  replay: async () => (await import('./replay-command.js')).replayCommand,
  scan: async () => (await import('./scan-command.js')).scanCommand,
  commands: async () => (await import('./commands-command.js')).commandsCommand,
  rules: async () => (await import('./rules-command.js')).rulesCommand,
  redrive: async () => (await import('./redrive-command.js')).redriveCommand,
  coverage: async () => (await import('./coverage-command.js')).coverageCommand,
  posture: async () => (await import('./posture-command.js')).postureCommand,
};

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`sessionwatch: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`sessionwatch ${name}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`sessionwatch ${name}: ${(e as Error).stack ?? e}\n`);
    return EXIT.failure;
  }
}
