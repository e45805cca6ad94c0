import type { Alert } from '../alerts/alert.js';
import { backoffDelay, type Sleep, sleep } from '../aws/backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { allFailed, type BurstOptions, type DeliveryFailure, type DeliveryResult, type Sink } from './types.js';

export interface ReliabilityOptions {
  /** Attempts per send, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  capDelayMs?: number;
  breaker?: CircuitBreaker;
  /** Overrides the sink's own burst grouping (null: none). */
  burst?: BurstOptions | null;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * Wraps a sink with bounded retries (exponential backoff, full jitter) of the alerts that failed retryably, and a
 * circuit breaker. What still fails is returned as failed, for the caller to spool.
 */
export class ReliableSink implements Sink {
  readonly breaker: CircuitBreaker;

  constructor(
    private readonly inner: Sink,
    private readonly options: ReliabilityOptions = {},
  ) {
    this.breaker = options.breaker ?? new CircuitBreaker();
  }

  get uri() {
    return this.inner.uri;
  }

  get burst() {
    return this.options.burst === undefined ? this.inner.burst : this.options.burst;
  }

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    const delivered: string[] = [];
    const final: DeliveryFailure[] = [];
    let pending = [...alerts];
    const maxAttempts = this.options.maxAttempts ?? 4;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (!this.breaker.canSend()) {
        final.push(...allFailed(pending, new Error(`circuit open for ${this.uri}`)).failed);
        break;
      }
      let result: DeliveryResult;
      try {
        result = await this.inner.send(pending);
      } catch (error) {
        result = allFailed(pending, error);
      }
      delivered.push(...result.delivered);
      if (result.failed.length === 0 || result.delivered.length > 0) this.breaker.success();
      else this.breaker.failure();
      final.push(...result.failed.filter((f) => !f.retryable));
      const retry = new Map(result.failed.filter((f) => f.retryable).map((f) => [f.id, f]));
      pending = pending.filter((a) => retry.has(a.id));
      if (pending.length === 0) break;
      if (attempt + 1 >= maxAttempts) {
        final.push(...retry.values());
        break;
      }
      const delay = backoffDelay(attempt, {
        baseMs: this.options.baseDelayMs ?? 200,
        capMs: this.options.capDelayMs ?? 5_000,
        ...(this.options.random ? { random: this.options.random } : {}),
      });
      await (this.options.sleep ?? sleep)(delay);
    }
    return { delivered, failed: final };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
