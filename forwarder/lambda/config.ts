import * as z from 'zod/mini';
import { SEVERITIES } from '../../detectors/model.js';
import { describeIssue, type SchemaIssue } from '../../detectors/schema-issues.js';
import {
  type CoverageConfig,
  CoverageConfigError,
  DEFAULT_COVERAGE_CONFIG,
  parseCoverageConfig,
} from '../session-coverage/config.js';
import { parseSinkUri } from '../sinks/uri.js';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

type Check = (value: string) => string | null;

/** An optional variable whose value `check` accepts (null) or rejects (the reason); the variable is named either way. */
const checked = (name: string, check: Check) =>
  z.optional(
    z.string().check(
      z.superRefine((v, ctx) => {
        const problem = v === '' ? null : check(v);
        if (problem) ctx.issues.push({ code: 'custom', message: `${name}: ${problem}`, input: v });
      }),
    ),
  );

/** A comma-separated list whose every item `check` accepts. */
const checkedList = (name: string, check: Check) =>
  checked(name, (v) => {
    for (const item of list(v)) {
      const problem = check(item);
      if (problem) return problem;
    }
    return null;
  });

const positive = (name: string, fallback: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.issues.push({ code: 'custom', message: `${name} must be a positive number, got "${v}"`, input: v });
        return fallback;
      }
      return n;
    }),
  );

/** A DynamoDB table name, or a table ARN (both are accepted as TableName). */
const TABLE =
  /^(?:[A-Za-z0-9_.-]{3,255}|arn:aws[a-z-]{0,20}:dynamodb:[a-z0-9-]{1,30}:\d{12}:table\/[A-Za-z0-9_.-]{3,255})$/;
const table: Check = (v) => (TABLE.test(v) ? null : `"${v.slice(0, 64)}" is not a DynamoDB table name or ARN`);
/** `s3://bucket/key`, `s3://bucket/folder/` (every object under it), or a path in the bundle. */
const SOURCE = /^(?:s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+|[^\s:]+)$/;
const source: Check = (v) => (SOURCE.test(v) ? null : `"${v.slice(0, 64)}" is not s3://bucket/key or a file path`);
const sink: Check = (v) => {
  try {
    parseSinkUri(v);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};
const spool: Check = (v) =>
  v.startsWith('sqs:') && !/^sqs:https:\/\/\S+$/.test(v) ? `"${v.slice(0, 64)}" is not sqs:https://QUEUE_URL` : null;

/**
 * The handler's configuration, all from the environment (DESIGN.md "Lambda configuration"), validated once at cold
 * start. Secrets never come here: the HEC token is a Secrets Manager ARN.
 */
const ConfigSchema = z.object({
  SESSIONWATCH_FUNCTION: z.optional(z.enum(['transcripts', 'identity', 'coverage', 'all'])),
  SESSIONWATCH_SINKS: checkedList('SESSIONWATCH_SINKS', sink),
  SESSIONWATCH_IOC_SOURCES: checkedList('SESSIONWATCH_IOC_SOURCES', source),
  SESSIONWATCH_RULE_SOURCES: checkedList('SESSIONWATCH_RULE_SOURCES', source),
  SESSIONWATCH_IDENTITY_TABLE: checked('SESSIONWATCH_IDENTITY_TABLE', table),
  SESSIONWATCH_STATE_TABLE: checked('SESSIONWATCH_STATE_TABLE', table),
  SESSIONWATCH_IDEMPOTENCY_TABLE: checked('SESSIONWATCH_IDEMPOTENCY_TABLE', table),
  SESSIONWATCH_CONTINUATION_QUEUE_URL: z.optional(z.url()),
  SESSIONWATCH_SPOOL: checked('SESSIONWATCH_SPOOL', spool),
  SESSIONWATCH_MIN_SEVERITY: z.optional(z.enum(SEVERITIES)),
  SESSIONWATCH_LOG_GROUPS: z.optional(z.string()),
  SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION: positive('SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION', 4 * 1024 ** 3),
  SESSIONWATCH_TIME_GUARD_MS: positive('SESSIONWATCH_TIME_GUARD_MS', 30_000),
  SESSIONWATCH_STATE_TTL_DAYS: positive('SESSIONWATCH_STATE_TTL_DAYS', 7),
  SESSIONWATCH_COVERAGE_CONFIG: z.optional(z.string()),
  SESSIONWATCH_HEC_TOKEN: z.optional(
    z.never(
      'SESSIONWATCH_HEC_TOKEN: a secret must not be an environment variable; use SESSIONWATCH_HEC_TOKEN_SECRET_ARN',
    ),
  ),
  LOG_LEVEL: z.optional(
    z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'trace', 'debug', 'info', 'warn', 'error', 'silent']),
  ),
});

export type FunctionRole = 'transcripts' | 'identity' | 'coverage' | 'all';

export interface LambdaConfig {
  role: FunctionRole;
  sinks: string[];
  iocSources: string[];
  ruleSources: string[];
  identityTable: string | null;
  stateTable: string | null;
  /** Where the delivered-ids ledger and the coverage claims live; the state table when unset. */
  idempotencyTable: string | null;
  continuationQueueUrl: string | null;
  spool: string | null;
  minSeverity: (typeof SEVERITIES)[number];
  /** Log groups whose events are transcripts (names or prefixes ending in *); empty: every group. */
  logGroups: string[];
  maxObjectBytesPerInvocation: number;
  timeGuardMs: number;
  stateTtlSeconds: number;
  coverage: CoverageConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks the environment; one error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const parsed = z.safeParse(ConfigSchema, env);
  const problems = parsed.success
    ? []
    : (parsed.error.issues as SchemaIssue[]).map((i) => {
        const name = String(i.path[0] ?? '');
        const message = describeIssue(i);
        return message.startsWith(name) ? message : `${name}: ${message}`;
      });
  let coverage = DEFAULT_COVERAGE_CONFIG;
  try {
    if (env.SESSIONWATCH_COVERAGE_CONFIG)
      coverage = parseCoverageConfig(env.SESSIONWATCH_COVERAGE_CONFIG, 'SESSIONWATCH_COVERAGE_CONFIG');
  } catch (error) {
    if (!(error instanceof CoverageConfigError)) throw error;
    problems.push(error.message);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  const c = parsed.data;
  return {
    role: c.SESSIONWATCH_FUNCTION ?? 'all',
    sinks: list(c.SESSIONWATCH_SINKS),
    iocSources: list(c.SESSIONWATCH_IOC_SOURCES),
    ruleSources: list(c.SESSIONWATCH_RULE_SOURCES),
    identityTable: c.SESSIONWATCH_IDENTITY_TABLE || null,
    stateTable: c.SESSIONWATCH_STATE_TABLE || null,
    idempotencyTable: c.SESSIONWATCH_IDEMPOTENCY_TABLE || null,
    continuationQueueUrl: c.SESSIONWATCH_CONTINUATION_QUEUE_URL ?? null,
    spool: c.SESSIONWATCH_SPOOL || null,
    minSeverity: c.SESSIONWATCH_MIN_SEVERITY ?? 'info',
    logGroups: list(c.SESSIONWATCH_LOG_GROUPS),
    maxObjectBytesPerInvocation: c.SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION,
    timeGuardMs: c.SESSIONWATCH_TIME_GUARD_MS,
    stateTtlSeconds: c.SESSIONWATCH_STATE_TTL_DAYS * 24 * 3600,
    coverage,
  };
}
