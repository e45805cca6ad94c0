import { severityRank } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import type { SessionInfo } from '../commands/record.js';
import type { SessionDetector } from '../pipeline/detect.js';
import { SessionCapture } from '../replay/capture.js';
import type { Input, ObjectReader } from '../sources/inputs.js';
import { readCommands } from '../sources/read-commands.js';
import type { DecodeError } from '../transcript/events.js';
import { groupSessions, mergedInfo, type ReportData, type ReportSession, sessionReport } from './model.js';

export interface Collected {
  captures: ReturnType<SessionCapture['sessions']>;
  alerts: Alert[];
  commands: number;
}

/** Reads every input once: the sessions with their transcripts (for replay) and the alerts on their commands. */
export async function collectSessions(
  inputs: AsyncIterable<Input>,
  deps: {
    detector: SessionDetector;
    objects: () => ObjectReader;
    problem(error: DecodeError): void;
    sessionEnd?(session: SessionInfo): void;
  },
): Promise<Collected> {
  const capture = new SessionCapture();
  const alerts: Alert[] = [];
  let commands = 0;
  await readCommands(
    inputs,
    {
      record: async (record, session) => {
        commands++;
        capture.record(record, session);
        alerts.push(...(await deps.detector.detect(record, session)));
      },
      terminalText: (session, text) => capture.terminalText(session, text),
      streamLine: (session, line, time) => capture.streamLine(session, line, time),
      sessionEnd: (session) => {
        capture.sessionEnd(session);
        deps.detector.end(session);
        deps.sessionEnd?.(session);
      },
      problem: deps.problem,
    },
    { objects: deps.objects },
  );
  return { captures: capture.sessions(), alerts, commands };
}

export interface ReportOptions {
  title: string;
  generator: string;
  generatedAt: string;
  /** The filters as given, shown on the page. */
  filters: string[];
  actors: { resolve(session: SessionInfo): Promise<Actor> };
  /** Which sessions the report keeps (all by default). */
  keep?: (session: SessionInfo, actor: Actor) => boolean;
}

/** The report's data: one entry per session id (its formats merged), the most severe sessions first. */
export async function buildReport(collected: Collected, options: ReportOptions): Promise<ReportData> {
  const alertsBySession = new Map<string, Alert[]>();
  for (const a of collected.alerts) alertsBySession.set(a.sessionId, [...(alertsBySession.get(a.sessionId) ?? []), a]);
  const sessions: ReportSession[] = [];
  for (const captures of groupSessions(collected.captures)) {
    const info = mergedInfo(captures);
    const actor = await options.actors.resolve(info);
    if (options.keep && !options.keep(info, actor)) continue;
    sessions.push(sessionReport({ captures, alerts: alertsBySession.get(info.sessionId) ?? [], actor }));
  }
  sessions.sort(
    (a, b) =>
      (b.highest ? severityRank(b.highest) : -1) - (a.highest ? severityRank(a.highest) : -1) ||
      (a.when.start ?? '').localeCompare(b.when.start ?? ''),
  );
  return {
    version: 1,
    title: options.title,
    generatedAt: options.generatedAt,
    generator: options.generator,
    filters: options.filters,
    sessions,
  };
}
