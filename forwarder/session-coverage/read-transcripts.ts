import type { Input, ObjectReader } from '../sources/inputs.js';
import { readCommands } from '../sources/read-commands.js';
import type { DecodeError } from '../transcript/events.js';
import { observeCommand, observeSession } from './observations.js';
import type { TranscriptIndex } from './stores.js';

export interface TranscriptReadReport {
  sessions: number;
  problems: DecodeError[];
}

/**
 * Reads exported transcripts (any format the decoders know) into the transcript index: streamed sessions with their
 * first and last event time and a final `exit`, end-of-session transcripts (S3 `.log`, CloudWatch upload) with the
 * time they were complete.
 */
export async function readTranscriptObservations(
  inputs: AsyncIterable<Input>,
  index: TranscriptIndex,
  deps: { objects: () => ObjectReader; now: string },
): Promise<TranscriptReadReport> {
  const report: TranscriptReadReport = { sessions: 0, problems: [] };
  await readCommands(
    inputs,
    {
      record: (record) => {
        const exit = observeCommand(record);
        if (exit) return index.note(record.sessionId, exit);
      },
      sessionEnd: async (session) => {
        report.sessions++;
        for (const o of observeSession(session, deps.now)) await index.note(session.sessionId, o);
      },
      problem: (e) => report.problems.push(e),
    },
    { objects: deps.objects },
  );
  return report;
}
