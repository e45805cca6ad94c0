import { severityRank } from '../../../detectors/model.js';
import type { Alert } from '../alert.js';

export interface BurstOptions {
  /** Alerts of one session within this many seconds of the burst's first alert form one burst. */
  windowSeconds?: number;
  /** A burst of fewer alerts is left as it is. */
  minCount?: number;
  /** Evidence kept on the grouped notification. */
  maxEvidence?: number;
}

const timeOf = (a: Alert) => (a.time ? Date.parse(a.time) : Number.NaN);

function collapse(burst: Alert[], maxEvidence: number): Alert {
  // The most severe alert speaks for the burst (the earliest among equals); its id stays, so redelivery is idempotent.
  const lead = burst.reduce((best, a) => (severityRank(a.severity) > severityRank(best.severity) ? a : best));
  const evidence = new Map<string, Alert['evidence'][number]>();
  for (const a of [lead, ...burst]) for (const e of a.evidence) evidence.set(`${e.kind}\u0000${e.value}`, e);
  return {
    ...lead,
    count: burst.length,
    groupedIds: [lead.id, ...burst.filter((a) => a !== lead).map((a) => a.id)],
    evidence: [...evidence.values()].slice(0, maxEvidence),
    attack: [...new Set(burst.flatMap((a) => a.attack))],
  };
}

/**
 * Many alerts in one session within a window become one notification with `count` and `groupedIds`
 * (for people: SNS, webhook). Alerts without a time join the burst they arrive with. Order is kept.
 */
export function groupBursts(alerts: readonly Alert[], options: BurstOptions = {}): Alert[] {
  const windowMs = (options.windowSeconds ?? 300) * 1000;
  const minCount = options.minCount ?? 3;
  const bySession = new Map<string, Alert[][]>();
  for (const alert of alerts) {
    const bursts = bySession.get(alert.sessionId) ?? [];
    bySession.set(alert.sessionId, bursts);
    const current = bursts.at(-1);
    const start = current ? timeOf(current[0]!) : Number.NaN;
    const t = timeOf(alert);
    if (current && (Number.isNaN(t) || Number.isNaN(start) || (t >= start && t - start <= windowMs)))
      current.push(alert);
    else bursts.push([alert]);
  }
  const out: Alert[] = [];
  for (const bursts of bySession.values()) {
    for (const burst of bursts) {
      if (burst.length >= minCount) out.push(collapse(burst, options.maxEvidence ?? 20));
      else out.push(...burst);
    }
  }
  return out;
}
