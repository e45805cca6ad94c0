import type { CloudTrailClient, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { retry, type Sleep, TokenBucket } from '../aws/backoff.js';
import { awsErrorName, sdk } from '../aws/clients.js';
import { parseSessionEvent, SessionEventError } from './cloudtrail-event.js';
import type { SessionEvent } from './record.js';

export interface CloudTrailLookupOptions {
  /** LookupEvents allows 2 requests a second per account and region. */
  ratePerSecond?: number;
  /** Pages read per session at most (50 events a page). */
  maxPages?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  capDelayMs?: number;
  /** Search this far around the session's first transcript time. */
  windowMinutes?: number;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailableException',
  'InternalServerError',
  'TimeoutError',
]);

function isRetryable(error: unknown): boolean {
  const name = awsErrorName(error);
  if (name && RETRYABLE.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/**
 * The fallback when the identity table has no record: find the session's StartSession with LookupEvents.
 * Rate-limited by a token bucket shared by every lookup of this process, with backoff and jitter on throttling.
 */
export class CloudTrailSessionLookup {
  private readonly bucket: TokenBucket;
  readonly stats = { calls: 0, throttled: 0 };

  constructor(
    private readonly client: Pick<CloudTrailClient, 'send'>,
    private readonly options: CloudTrailLookupOptions = {},
  ) {
    const rate = options.ratePerSecond ?? 2;
    this.bucket = new TokenBucket(rate, Math.max(1, Math.floor(rate)), options.now, options.sleep);
  }

  async find(sessionId: string, around?: string | null): Promise<SessionEvent | null> {
    const window = (this.options.windowMinutes ?? 30) * 60_000;
    const t = around ? Date.parse(around) : Number.NaN;
    const range = Number.isFinite(t) ? { StartTime: new Date(t - window), EndTime: new Date(t + window) } : {};
    let token: string | undefined;
    for (let page = 0; page < (this.options.maxPages ?? 5); page++) {
      const out = await this.page(range, token);
      for (const event of out.Events ?? []) {
        if (!event.CloudTrailEvent?.includes(sessionId)) continue;
        try {
          const parsed = parseSessionEvent(event.CloudTrailEvent);
          if (parsed.sessionId === sessionId && parsed.name === 'StartSession') return parsed;
        } catch (error) {
          if (!(error instanceof SessionEventError)) throw error;
        }
      }
      token = out.NextToken;
      if (!token) break;
    }
    return null;
  }

  private async page(
    range: { StartTime?: Date; EndTime?: Date },
    NextToken: string | undefined,
  ): Promise<LookupEventsCommandOutput> {
    const { LookupEventsCommand } = await sdk.cloudTrail();
    return retry(
      async () => {
        await this.bucket.take();
        this.stats.calls++;
        return this.client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'StartSession' }],
            MaxResults: 50,
            ...range,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
      },
      {
        maxAttempts: this.options.maxAttempts ?? 6,
        baseMs: this.options.baseDelayMs ?? 500,
        capMs: this.options.capDelayMs ?? 8_000,
        isRetryable,
        onRetry: () => {
          this.stats.throttled++;
        },
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        ...(this.options.random ? { random: this.options.random } : {}),
      },
    );
  }
}
