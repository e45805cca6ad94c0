import type { Engine, SessionAnalyzer } from '../../detectors/index.js';
import { type Severity, severityRank } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import { buildAlert } from '../alerts/build.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';

export interface ActorSource {
  resolve(session: SessionInfo): Promise<Actor>;
}

export interface DetectOptions {
  engine: Engine;
  actors: ActorSource;
  minSeverity?: Severity;
  /** The S3 object a session's transcript came from, for links in alerts. */
  transcriptOf?: (session: SessionInfo) => { bucket: string; key: string } | undefined;
}

/**
 * Command records → alerts: one analyzer per session (it keeps the session's shell state: variables, aliases),
 * the session's actor resolved once, alerts built (and redacted) with deterministic ids, each id once.
 */
export class SessionDetector {
  private readonly analyzers = new Map<string, SessionAnalyzer>();
  private readonly actors = new Map<string, Promise<Actor>>();
  private readonly seen = new Set<string>();
  private readonly minRank: number;

  constructor(private readonly options: DetectOptions) {
    this.minRank = severityRank(options.minSeverity ?? 'info');
  }

  async detect(record: CommandRecord, session: SessionInfo): Promise<Alert[]> {
    const detections = this.analyzer(session).analyze(record);
    const wanted = detections.filter((d) => severityRank(d.severity) >= this.minRank);
    if (wanted.length === 0) return [];
    const actor = await this.actor(session);
    const transcript = this.options.transcriptOf?.(session);
    const alerts: Alert[] = [];
    for (const d of wanted) {
      const alert = buildAlert(d, record, session, actor, transcript ? { transcript } : {});
      if (this.seen.has(alert.id)) continue;
      this.seen.add(alert.id);
      alerts.push(alert);
    }
    return alerts;
  }

  /** The session's transcript is over: its shell state can go. */
  end(session: SessionInfo): void {
    const key = keyOf(session);
    this.analyzers.delete(key);
    this.actors.delete(key);
  }

  private analyzer(session: SessionInfo): SessionAnalyzer {
    const key = keyOf(session);
    let a = this.analyzers.get(key);
    if (!a) {
      a = this.options.engine.session({
        sessionId: session.sessionId,
        instanceId: session.instanceId,
        account: session.account,
        principalArn: session.principalArn,
      });
      this.analyzers.set(key, a);
    }
    return a;
  }

  private actor(session: SessionInfo): Promise<Actor> {
    const key = keyOf(session);
    let a = this.actors.get(key);
    if (!a) {
      a = this.options.actors.resolve(session);
      this.actors.set(key, a);
    }
    return a;
  }
}

const keyOf = (s: SessionInfo) => `${s.source}:${s.sessionId}`;
