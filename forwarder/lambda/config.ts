import * as z from 'zod/mini';
import { SEVERITIES } from '../../detectors/model.js';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

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

/**
 * The handler's configuration, all from the environment (DESIGN.md "Lambda configuration"), validated once at cold
 * start. Secrets never come here: the HEC token is a Secrets Manager ARN.
 */
const ConfigSchema = z.object({
  SESSIONWATCH_FUNCTION: z.optional(z.enum(['transcripts', 'identity', 'coverage', 'all'])),
  SESSIONWATCH_SINKS: z.optional(z.string()),
  SESSIONWATCH_IOC_SOURCES: z.optional(z.string()),
  SESSIONWATCH_RULE_SOURCES: z.optional(z.string()),
  SESSIONWATCH_IDENTITY_TABLE: z.optional(z.string()),
  SESSIONWATCH_STATE_TABLE: z.optional(z.string()),
  SESSIONWATCH_CONTINUATION_QUEUE_URL: z.optional(z.url()),
  SESSIONWATCH_SPOOL: z.optional(z.string()),
  SESSIONWATCH_MIN_SEVERITY: z.optional(z.enum(SEVERITIES)),
  SESSIONWATCH_LOG_GROUPS: z.optional(z.string()),
  SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION: positive('SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION', 4 * 1024 ** 3),
  SESSIONWATCH_TIME_GUARD_MS: positive('SESSIONWATCH_TIME_GUARD_MS', 30_000),
  SESSIONWATCH_STATE_TTL_DAYS: positive('SESSIONWATCH_STATE_TTL_DAYS', 7),
  SESSIONWATCH_HEC_TOKEN: z.optional(
    z.never(
      'SESSIONWATCH_HEC_TOKEN: a secret must not be an environment variable; use SESSIONWATCH_HEC_TOKEN_SECRET_ARN',
    ),
  ),
  LOG_LEVEL: z.optional(
    z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'trace', 'debug', 'info', 'warn', 'error', 'silent']),
  ),
});

export interface LambdaConfig {
  role: 'transcripts' | 'identity' | 'coverage' | 'all';
  sinks: string[];
  iocSources: string[];
  ruleSources: string[];
  identityTable: string | null;
  stateTable: string | null;
  continuationQueueUrl: string | null;
  spool: string | null;
  minSeverity: (typeof SEVERITIES)[number];
  /** Log groups whose events are transcripts (names or prefixes ending in *); empty: every group. */
  logGroups: string[];
  maxObjectBytesPerInvocation: number;
  timeGuardMs: number;
  stateTtlSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks the environment; one error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const parsed = z.safeParse(ConfigSchema, env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  return {
    role: c.SESSIONWATCH_FUNCTION ?? 'all',
    sinks: list(c.SESSIONWATCH_SINKS),
    iocSources: list(c.SESSIONWATCH_IOC_SOURCES),
    ruleSources: list(c.SESSIONWATCH_RULE_SOURCES),
    identityTable: c.SESSIONWATCH_IDENTITY_TABLE || null,
    stateTable: c.SESSIONWATCH_STATE_TABLE || null,
    continuationQueueUrl: c.SESSIONWATCH_CONTINUATION_QUEUE_URL ?? null,
    spool: c.SESSIONWATCH_SPOOL || null,
    minSeverity: c.SESSIONWATCH_MIN_SEVERITY ?? 'info',
    logGroups: list(c.SESSIONWATCH_LOG_GROUPS),
    maxObjectBytesPerInvocation: c.SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION,
    timeGuardMs: c.SESSIONWATCH_TIME_GUARD_MS,
    stateTtlSeconds: c.SESSIONWATCH_STATE_TTL_DAYS * 24 * 3600,
  };
}
