import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { redactText } from '../redact/redact.js';
import { serializeAsciicast, toAsciicast } from '../replay/asciicast.js';
import { SessionCapture } from '../replay/capture.js';
import { replaySession } from '../replay/session-replay.js';
import { groupSessions } from '../report/model.js';
import { readCommands } from '../sources/read-commands.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import { openInputs, s3Objects } from './options.js';

export const REPLAY_HELP = `Usage: sessionwatch replay FILE|s3://bucket/key|- --cast OUT.cast [--session ID] [options]

Exports a session as an asciicast v2 recording (play it with asciinema-player or "asciinema play"), from any
transcript format. The streaming CloudWatch format is timed from its log event times; the S3 object and the
end-of-session CloudWatch upload record no keystroke times, so their replay types each command at a readable pace
(the cast's title says which). Secrets in the transcript are masked. Each command is a marker.

Options:
  --cast FILE             where to write the recording ("-" for stdout)
  --session ID            the session to export when the input holds several
  --no-markers            leave out the per-command markers
  --endpoint-url URL      S3 endpoint for s3:// inputs
  -h, --help              this help

When a session is read from several formats, the most complete one is replayed (S3, then end-of-session
CloudWatch, then streaming).

Examples:
  sessionwatch replay mallory-09f8e7d6c5b4a3921.log --cast mallory.cast
  sessionwatch replay stream-export.jsonl --session alice-0a1b2c3d4e5f6a7b8 --cast alice.cast
  sessionwatch replay s3://logs/session-logs/alice-0a1b2c3d4e5f6a7b8.log --cast - | asciinema play -
`;

export async function replayCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cast: { type: 'string' },
      session: { type: 'string' },
      'no-markers': { type: 'boolean', default: false },
      'endpoint-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, REPLAY_HELP);
    return EXIT.ok;
  }
  if (!values.cast) throw new UsageError('--cast FILE is required (where to write the recording; - for stdout)');
  const objects = s3Objects(values['endpoint-url']);
  const { inputs } = await openInputs(positionals, io, { objects, progress: false });
  const capture = new SessionCapture();
  let inputErrors = 0;
  await readCommands(
    inputs,
    {
      record: (r, s) => capture.record(r, s),
      terminalText: (s, text) => capture.terminalText(s, text),
      streamLine: (s, line, time) => capture.streamLine(s, line, time),
      sessionEnd: (s) => capture.sessionEnd(s),
      problem: (e) => {
        if (e.kind !== 'not-a-transcript' && e.kind !== 'utf8') inputErrors++;
        io.stderr.write(`sessionwatch replay: ${e.message}\n`);
      },
    },
    { objects },
  );
  const groups = groupSessions(capture.sessions());
  const wanted = values.session ? groups.filter((g) => g[0]!.info.sessionId === values.session) : groups;
  if (wanted.length !== 1) {
    const ids = groups.map((g) => g[0]!.info.sessionId);
    if (values.session)
      throw new UsageError(`no session ${values.session} in the input (found: ${ids.join(', ') || 'none'})`);
    if (ids.length === 0) throw new UsageError('no Session Manager session in the input');
    throw new UsageError(`the input holds ${ids.length} sessions; choose one with --session (${ids.join(', ')})`);
  }
  const session = wanted[0]![0]!;
  const replay = replaySession(session);
  const markers = values['no-markers']
    ? []
    : session.records
        .filter((r) => replay.timeline.moments.has(r.seq))
        .map((r) => ({ time: replay.timeline.moments.get(r.seq)!, label: `${r.seq}: ${redactText(r.command).text}` }));
  const cast = toAsciicast(replay, markers);
  const text = serializeAsciicast(cast);
  if (values.cast === '-') await write(io.stdout, text);
  else {
    await writeFile(values.cast, text).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${values.cast}: ${e.code ?? e.message}`);
    });
  }
  const duration = cast.events.at(-1)?.[0] ?? 0;
  io.stderr.write(
    `sessionwatch replay: ${values.cast === '-' ? 'wrote' : `wrote ${values.cast}:`} ${session.info.sessionId} ` +
      `(${session.info.source}), ${replay.width}x${replay.height}, ${session.records.length} commands, ` +
      `${duration.toFixed(1)} s, ${replay.timeline.timing === 'recorded' ? 'timed from the log events' : 'timing synthesised'}` +
      `${replay.masked ? `, ${replay.masked} secrets masked` : ''}\n`,
  );
  return inputErrors > 0 ? EXIT.usage : EXIT.ok;
}
