import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { SEVERITIES, type Severity } from '../../detectors/model.js';
import { describeIssues, type SchemaIssue } from '../../detectors/schema-issues.js';
import { globMatch } from '../alerts/noise/glob.js';
import { type DurationError, parseDuration } from './duration.js';

/**
 * AWS-owned Session documents of `sessionType: Port`: the agent only relays bytes (SSH encrypts them end to end), so
 * no transcript is ever written, whatever the logging preferences say.
 */
export const PORT_DOCUMENTS = [
  'AWS-StartSSHSession',
  'AWS-StartPortForwardingSession',
  'AWS-StartPortForwardingSessionToRemoteHost',
  'AWS-StartPortForwardingSessionToSocket',
] as const;

/** An allowlist entry for unrecorded sessions: every field given must match (globs `*`, `?`; lists are OR). */
export interface AllowEntry {
  principal?: string[];
  target?: string[];
  document?: string[];
  comment?: string;
}

export interface CoverageConfig {
  /** How long after a session's end (or start, when streaming is expected) its transcript may take to arrive. */
  graceMs: number;
  /** How long a stream may stay quiet while its session is still open. Keep it above the idle session timeout. */
  streamGapMs: number;
  /** A session whose end was never seen is taken as ended this long after its start (the max session duration). */
  maxSessionMs: number;
  /** Sessions stream to CloudWatch (cloudWatchStreamingEnabled): a first event is due within the grace of the start. */
  expectStream: boolean;
  /** An end-of-session transcript (S3 object or CloudWatch upload) is due after every shell session. */
  expectFinal: boolean;
  /** More document names (globs) that never produce a transcript, added to PORT_DOCUMENTS. */
  portDocuments: string[];
  /** Documents (globs) whose sessions are not checked at all. */
  ignoreDocuments: string[];
  /** Sessions started this long before the check are no longer looked at (scheduled check); null: all. */
  lookbackMs: number | null;
  severity: {
    missingTranscript: Severity;
    missingFinalTranscript: Severity;
    streamStopped: Severity;
    unrecordedSession: Severity;
  };
  /** Unrecorded (Port) sessions that are expected: no alert. */
  allow: AllowEntry[];
}

export const DEFAULT_COVERAGE_CONFIG: CoverageConfig = {
  graceMs: 15 * 60_000,
  streamGapMs: 30 * 60_000,
  maxSessionMs: 24 * 3_600_000,
  expectStream: false,
  expectFinal: true,
  portDocuments: [],
  ignoreDocuments: [],
  lookbackMs: 48 * 3_600_000,
  severity: {
    missingTranscript: 'high',
    missingFinalTranscript: 'medium',
    streamStopped: 'medium',
    unrecordedSession: 'medium',
  },
  allow: [],
};

export type DocumentKind = 'shell' | 'port' | 'ignored';

/** `arn:aws:ssm:eu-west-1:111122223333:document/Team-Shell` (a shared document) → `Team-Shell`. */
export function documentBaseName(documentName: string): string {
  const cut = documentName.lastIndexOf(':document/');
  return cut < 0 ? documentName : documentName.slice(cut + ':document/'.length);
}

/**
 * What a session's document means for its transcript. No document is the default shell (SSM-SessionManagerRunShell).
 * Unknown documents count as shells: a custom Port document then shows up as "missing transcript", which names it.
 */
export function documentKind(documentName: string | null, config: CoverageConfig): DocumentKind {
  if (!documentName) return 'shell';
  const name = documentBaseName(documentName);
  if (config.ignoreDocuments.some((p) => globMatch(p, name))) return 'ignored';
  if ((PORT_DOCUMENTS as readonly string[]).includes(name)) return 'port';
  if (config.portDocuments.some((p) => globMatch(p, name))) return 'port';
  return 'shell';
}

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const patterns = z.optional(
  z.pipe(
    z.union([text(2048), z.array(text(2048)).check(z.minLength(1))]),
    z.transform((v) => (Array.isArray(v) ? v : [v])),
  ),
);
const duration = (what: string) =>
  z.optional(
    z.pipe(
      z.string(),
      z.transform((v, ctx) => {
        try {
          return parseDuration(v, what);
        } catch (e) {
          ctx.issues.push({ code: 'custom', message: (e as DurationError).message, input: v });
          return z.NEVER;
        }
      }),
    ),
  );
const severity = z.optional(z.enum(SEVERITIES));

const FileSchema = z.strictObject({
  grace: duration('grace'),
  streamGap: duration('streamGap'),
  maxSession: duration('maxSession'),
  lookback: duration('lookback'),
  expect: z.optional(z.array(z.enum(['stream', 'final']))),
  portDocuments: z.optional(z.array(text(256))),
  ignoreDocuments: z.optional(z.array(text(256))),
  severity: z.optional(
    z.strictObject({
      missingTranscript: severity,
      missingFinalTranscript: severity,
      streamStopped: severity,
      unrecordedSession: severity,
    }),
  ),
  allow: z.optional(
    z.array(
      z
        .strictObject({
          principal: patterns,
          target: patterns,
          document: patterns,
          comment: z.optional(z.string().check(z.maxLength(1000))),
        })
        .check(
          z.refine((a) => Boolean(a.principal || a.target || a.document), {
            message: 'an allow entry needs at least one of principal, target, document',
          }),
        ),
    ),
  ),
});

export class CoverageConfigError extends Error {
  override name = 'CoverageConfigError';
}

/**
 * A coverage configuration file (YAML or JSON), merged over the defaults:
 * ```yaml
 * grace: 15m
 * streamGap: 30m
 * expect: [final, stream]
 * portDocuments: [Team-PortForward-*]
 * severity: { unrecordedSession: high }
 * allow:
 *   - principal: "arn:aws:sts::111122223333:assumed-role/DbaTunnel/*"
 *     document: AWS-StartPortForwardingSessionToRemoteHost
 *     comment: DBAs reach RDS through the bastion
 * ```
 */
export function parseCoverageConfig(text: string, source = 'coverage config'): CoverageConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new CoverageConfigError(`${source}: not valid YAML/JSON: ${(error as Error).message}`);
  }
  const result = z.safeParse(FileSchema, data ?? {});
  if (!result.success)
    throw new CoverageConfigError(`${source}: ${describeIssues(result.error.issues as SchemaIssue[])}`);
  const f = result.data;
  const d = DEFAULT_COVERAGE_CONFIG;
  return {
    graceMs: f.grace ?? d.graceMs,
    streamGapMs: f.streamGap ?? d.streamGapMs,
    maxSessionMs: f.maxSession ?? d.maxSessionMs,
    lookbackMs: f.lookback ?? d.lookbackMs,
    expectStream: f.expect ? f.expect.includes('stream') : d.expectStream,
    expectFinal: f.expect ? f.expect.includes('final') : d.expectFinal,
    portDocuments: f.portDocuments ?? d.portDocuments,
    ignoreDocuments: f.ignoreDocuments ?? d.ignoreDocuments,
    severity: { ...d.severity, ...stripUndefined(f.severity ?? {}) },
    allow: (f.allow ?? []).map((a) => stripUndefined(a)),
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

/**
 * The Lambda's coverage settings: SESSIONWATCH_COVERAGE_CONFIG holds the same YAML/JSON as a --config file (inline);
 * unset, the defaults. A bad value throws, naming the variable, when the handler starts.
 */
export function coverageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CoverageConfig {
  const text = env.SESSIONWATCH_COVERAGE_CONFIG;
  return text ? parseCoverageConfig(text, 'SESSIONWATCH_COVERAGE_CONFIG') : DEFAULT_COVERAGE_CONFIG;
}
