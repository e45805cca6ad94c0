import type { Alert } from '../alerts/alert.js';
import type { BurstOptions } from '../alerts/noise/burst.js';

export type { BurstOptions };
/** Sinks people read (SNS, webhook) collapse bursts: 3 or more alerts of one session within 5 minutes. */
export const DEFAULT_BURST: BurstOptions = { windowSeconds: 300, minCount: 3 };

export interface DeliveryFailure {
  id: string;
  error: string;
  /** Worth trying again (throttling, 5xx, network); false for a rejected payload or a bad token. */
  retryable: boolean;
}

export interface DeliveryResult {
  /** Ids the receiver accepted. */
  delivered: string[];
  failed: DeliveryFailure[];
}

/** One destination. `send` never throws for a delivery problem: it reports it per alert. */
export interface Sink {
  /** The URI the sink was made from (never holds a secret: tokens come from the environment or Secrets Manager). */
  readonly uri: string;
  /** When set, a burst of alerts of one session becomes one notification with a count (see groupBursts). */
  readonly burst: BurstOptions | null;
  send(alerts: readonly Alert[]): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Every alert of `alerts` failed for the same reason. */
export function allFailed(alerts: readonly Alert[], error: unknown): DeliveryResult {
  const retryable = error instanceof DeliveryError ? error.retryable : true;
  const message = error instanceof Error ? error.message : String(error);
  return { delivered: [], failed: alerts.map((a) => ({ id: a.id, error: message, retryable })) };
}

export function merge(results: DeliveryResult[]): DeliveryResult {
  return { delivered: results.flatMap((r) => r.delivered), failed: results.flatMap((r) => r.failed) };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
