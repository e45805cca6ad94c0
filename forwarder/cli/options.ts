/**
 * What scan, commands and report share: the session filters, S3 access with clear errors, inputs with progress.
 */
import { readFile, stat } from 'node:fs/promises';
import { SEVERITIES, type Severity } from '../../detectors/model.js';
import type { Actor } from '../alerts/alert.js';
import { globMatch } from '../alerts/noise/glob.js';
import type { SessionInfo } from '../commands/record.js';
import { indexSessionEvents } from '../identity/index-event.js';
import { MemoryIdentityStore } from '../identity/store.js';
import { expandInputs, type Input, type ObjectReader } from '../sources/inputs.js';
import { s3ObjectReader } from '../sources/s3-reader.js';
import { type CliIo, UsageError } from './io.js';
import { Progress } from './progress.js';

/** parseArgs options of the filters (merge into a command's options). */
export const FILTER_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  account: { type: 'string', multiple: true, default: [] as string[] },
  instance: { type: 'string', multiple: true, default: [] as string[] },
  principal: { type: 'string', multiple: true, default: [] as string[] },
  'min-severity': { type: 'string', default: 'info' },
} as const;

/** parseArgs options every reading command has. */
export const COMMON_OPTIONS = {
  'endpoint-url': { type: 'string' },
  'no-color': { type: 'boolean', default: false },
  'no-progress': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const FILTER_HELP = `Filters (repeat --account, --instance, --principal to allow several; * and ? are wildcards):
  --since TIME            only what happened at or after TIME: ISO 8601 (2026-10-06, 2026-10-06T22:00Z)
                          or relative to now (90m, 24h, 7d, 2w)
  --until TIME            only what happened before TIME (same forms)
  --account ID            AWS account id of the session
  --instance ID           EC2 instance id (i-0abc*)
  --principal GLOB        who started the session: IAM ARN, user or role session name, or e-mail
  --min-severity LEVEL    info, low, medium, high or critical (default info)`;

export const COMMON_HELP = `  --endpoint-url URL      S3 endpoint for s3:// inputs (an emulator, a VPC endpoint)
  --no-color              plain output (also when NO_COLOR is set or stdout is not a terminal)
  --no-progress           no progress bar on stderr (shown only on a terminal, for scans longer than a moment)
  -h, --help              this help`;

export interface FilterValues {
  since?: string | undefined;
  until?: string | undefined;
  account: string[];
  instance: string[];
  principal: string[];
  'min-severity': string;
}

/** Which sessions, commands and alerts a run keeps. */
export interface Filters {
  since: number | null;
  until: number | null;
  accounts: string[];
  instances: string[];
  principals: string[];
  minSeverity: Severity;
}

const RELATIVE = /^(\d{1,6})([smhdw])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export function parseFilters(values: FilterValues, now = Date.now()): Filters {
  const since = values.since === undefined ? null : parseTime(values.since, '--since', now);
  const until = values.until === undefined ? null : parseTime(values.until, '--until', now);
  if (since !== null && until !== null && since >= until) {
    throw new UsageError(`--since (${values.since}) must be before --until (${values.until})`);
  }
  return {
    since,
    until,
    accounts: values.account,
    instances: values.instance,
    principals: values.principal.map((p) => p.toLowerCase()),
    minSeverity: parseSeverity(values['min-severity'], '--min-severity'),
  };
}

/** ISO 8601 (a date is midnight UTC; no zone means UTC) or a span back from now: 90m, 24h, 7d, 2w. */
export function parseTime(value: string, option: string, now = Date.now()): number {
  const relative = RELATIVE.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (ISO_DATE.test(value.trim())) {
    const text = value.trim().replace(' ', 'T');
    const zoned = /T/.test(text) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text}Z` : text;
    const ms = Date.parse(zoned);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`${option} ${value}: expected an ISO 8601 time (2026-10-06T22:00Z) or a span like 24h or 7d`);
}

export function parseSeverity(value: string, option: string): Severity {
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UsageError(`${option} must be one of ${SEVERITIES.join(', ')}`);
}

export const hasSessionFilters = (f: Filters) =>
  f.accounts.length > 0 || f.instances.length > 0 || f.principals.length > 0;

/** Whether a session passes the account, instance and principal filters (unknown values never match). */
export function sessionMatches(f: Filters, session: SessionInfo, actor: Actor | null): boolean {
  const anyGlob = (patterns: string[], values: (string | null | undefined)[]) =>
    patterns.length === 0 || patterns.some((p) => values.some((v) => v != null && globMatch(p, v)));
  return (
    anyGlob(f.accounts, [session.account, actor?.account]) &&
    anyGlob(f.instances, [session.instanceId]) &&
    anyGlob(
      f.principals,
      [session.principalArn, actor?.principalArn, actor?.name, actor?.email].map((v) => v?.toLowerCase()),
    )
  );
}

/** Whether a moment is inside --since/--until; with a time filter, an unknown time is outside. */
export function timeMatches(f: Filters, iso: string | null): boolean {
  if (f.since === null && f.until === null) return true;
  const t = iso === null ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(t)) return false;
  return (f.since === null || t >= f.since) && (f.until === null || t < f.until);
}

/** Whether a span [start, end] overlaps --since/--until (a session that began before --since but went on). */
export function spanMatches(f: Filters, start: string | null, end: string | null): boolean {
  if (f.since === null && f.until === null) return true;
  const s = start === null ? Number.NaN : Date.parse(start);
  const e = end === null ? s : Date.parse(end);
  if (Number.isNaN(s)) return false;
  return (f.since === null || e >= f.since) && (f.until === null || s < f.until);
}

/** S3 through the standard credential chain; failures become one clear line (exit 2). */
export function s3Objects(endpoint: string | undefined): () => ObjectReader {
  let reader: ObjectReader | undefined;
  return () => {
    // the SDK's notice that its 2027 releases need Node 22 is for the maintainers, not for each CLI run
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    reader ??= explainedErrors(s3ObjectReader({ endpoint }), endpoint);
    return reader;
  };
}

function explainedErrors(reader: ObjectReader, endpoint: string | undefined): ObjectReader {
  return {
    async *list(bucket, prefix) {
      try {
        yield* reader.list(bucket, prefix);
      } catch (e) {
        throw new UsageError(`cannot list s3://${bucket}/${prefix}: ${explainS3Error(e, bucket, endpoint)}`);
      }
    },
    async get(bucket, key, options) {
      try {
        return await reader.get(bucket, key, options);
      } catch (e) {
        throw new Error(explainS3Error(e, bucket, endpoint));
      }
    },
  };
}

export function explainS3Error(e: unknown, bucket: string, endpoint: string | undefined): string {
  const error = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = error.$metadata?.httpStatusCode;
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message ?? '')) {
    return 'no AWS credentials found (standard chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, SSO, container or instance role)';
  }
  if (error.name === 'NoSuchBucket') return `bucket ${bucket} does not exist`;
  if (error.name === 'NoSuchKey') return 'no such object';
  if (error.name === 'AccessDenied' || status === 403) {
    return `access denied (needs s3:ListBucket and s3:GetObject on ${bucket}; kms:Decrypt if the bucket uses SSE-KMS)`;
  }
  if (
    error.code === 'ECONNREFUSED' ||
    error.code === 'ENOTFOUND' ||
    /ECONNREFUSED|ENOTFOUND/.test(error.message ?? '')
  ) {
    return `cannot reach ${endpoint ?? 'S3'} (${error.code ?? error.message})`;
  }
  return `${error.name ?? 'Error'}: ${error.message ?? String(e)}`;
}

/**
 * The inputs of the command line, counted on a progress bar on stderr when it is a terminal. Local files are listed
 * first, so the bar knows the total; S3 and stdin are shown as they come.
 */
export async function openInputs(
  args: string[],
  io: CliIo,
  options: { objects: () => ObjectReader; progress: boolean },
): Promise<{ inputs: AsyncIterable<Input>; progress: Progress | null }> {
  const expanded = expandInputs(args, { stdin: io.stdin, objects: options.objects });
  if (!options.progress || !io.stderr.isTTY) return { inputs: expanded, progress: null };
  const local = args.every((a) => a !== '-' && !a.startsWith('s3://'));
  let total: number | null = null;
  let files: number | null = null;
  let source: AsyncIterable<Input> = expanded;
  if (local) {
    const listed: Input[] = [];
    for await (const input of expanded) listed.push(input);
    total = 0;
    files = listed.length;
    for (const input of listed) total += (await stat(input.name)).size;
    source = (async function* () {
      yield* listed;
    })();
  }
  const progress = new Progress(io.stderr, { totalBytes: total, totalFiles: files });
  return { inputs: progress.track(source), progress };
}

/**
 * An identity store filled from CloudTrail files (a log file `{"Records":[...]}`, an array, one event, or JSON
 * lines; EventBridge envelopes or raw records), so alerts and reports name who started each session.
 */
export async function cloudTrailStore(files: readonly string[]): Promise<MemoryIdentityStore> {
  const store = new MemoryIdentityStore();
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--cloudtrail ${file}: cannot read (${e.code ?? e.message})`);
    });
    let values: unknown[];
    try {
      values = [JSON.parse(text)];
    } catch {
      try {
        values = text
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as unknown);
      } catch {
        throw new UsageError(`--cloudtrail ${file}: neither JSON nor JSON lines`);
      }
    }
    for (const v of values) await indexSessionEvents(v, store);
  }
  return store;
}
