/**
 * Retries with capped exponential backoff and "full jitter" (a random delay in [0, min(cap, base·2^attempt))),
 * the scheme the AWS Architecture Blog recommends so that many clients retrying together spread out.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Injected in tests; Math.random by default. */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions extends BackoffOptions {
  /** Total attempts, the first one included. */
  maxAttempts: number;
  isRetryable: (error: unknown) => boolean;
  sleep?: Sleep;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or `maxAttempts` are spent (then rethrows). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= options.maxAttempts || !options.isRetryable(error)) throw error;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt + 1, delay);
      await wait(delay);
    }
  }
}

/**
 * A token bucket: at most `ratePerSecond` calls a second on average, bursts up to `capacity`.
 * `take()` resolves when a token is available; callers queue in order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
    private readonly wait: Sleep = sleep,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): Promise<void> {
    const turn = this.queue.then(() => this.acquire());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.wait(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}
