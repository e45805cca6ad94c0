import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ARCHIVE_TIERS } from './constructs/buckets.js';

const account = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const minutes = (max: number) => z.number().int().min(1).max(max);

const sessionPolicy = z
  .object({
    idleSessionTimeoutMinutes: minutes(60).optional(),
    maxSessionDurationMinutes: minutes(1440).optional(),
    runAsDefaultUser: z.string().optional(),
    shellProfile: z.object({ linux: z.string().optional(), windows: z.string().optional() }).strict().optional(),
  })
  .strict();

/** Everything the app needs, from the `sessionwatch` context object (cdk.json) or a JSON file. */
export const configSchema = z
  .object({
    organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id (o-...)'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as eu-west-1'),
    loggingAccount: account,
    workloadAccounts: z.array(account).default([]),
    /** Output TranscriptKeyArn of SessionWatch-Logging; needed once workloadAccounts is not empty. */
    transcriptKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/)
      .optional(),
    managementAccount: account.optional(),
    logRetentionDays: z.number().int().default(30),
    workloadLogRetentionDays: z.number().int().default(14),
    lifecycle: z
      .object({
        tiers: z.array(
          z
            .object({
              storageClass: z.enum(Object.keys(ARCHIVE_TIERS) as [keyof typeof ARCHIVE_TIERS]),
              afterDays: z.number().int(),
            })
            .strict(),
        ),
        expireAfterDays: z.number().int().optional(),
        noncurrentExpireAfterDays: z.number().int().default(30),
      })
      .strict()
      .optional(),
    objectLock: z
      .object({ mode: z.enum(['COMPLIANCE', 'GOVERNANCE']), days: z.number().int().min(1) })
      .strict()
      .optional(),
    session: sessionPolicy.default({}),
    pipeline: z
      .object({
        runtime: z.enum(['nodejs20.x', 'nodejs22.x']).default('nodejs22.x'),
        sinks: z.array(z.string()).default([]),
        hecUrl: z.string().url().optional(),
        iocSources: z.array(z.string()).default([]),
        ruleSources: z.array(z.string()).default([]),
        minSeverity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('low'),
        coverageGraceMinutes: z.number().int().min(1).default(30),
        coverageIntervalMinutes: z.number().int().min(1).default(5),
        logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
        alertEmails: z.array(z.string().email()).default([]),
        operatorEmails: z.array(z.string().email()).default([]),
        streamShards: z.number().int().min(1).default(1),
      })
      .strict()
      .default({
        runtime: 'nodejs22.x',
        sinks: [],
        iocSources: [],
        ruleSources: [],
        minSeverity: 'low',
        coverageGraceMinutes: 30,
        coverageIntervalMinutes: 5,
        logLevel: 'INFO',
        alertEmails: [],
        operatorEmails: [],
        streamShards: 1,
      }),
    guardrails: z
      .object({
        targetIds: z.array(z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/)).min(1),
        allowedInstanceProfileArnPatterns: z.array(z.string()).optional(),
        ingressAdminRoleArnPatterns: z.array(z.string()).optional(),
        configRules: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.workloadAccounts.length > 0 && !c.transcriptKeyArn)
      ctx.addIssue({
        code: 'custom',
        path: ['transcriptKeyArn'],
        message:
          'required for workload accounts: deploy SessionWatch-Logging first and copy its TranscriptKeyArn output',
      });
    if (c.guardrails && !c.managementAccount)
      ctx.addIssue({ code: 'custom', path: ['managementAccount'], message: 'required to deploy the guardrails' });
  });

export type SessionWatchConfig = z.infer<typeof configSchema>;

/** Validates the configuration; the error lists every bad field by its path. */
export function parseConfig(raw: unknown): SessionWatchConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  sessionwatch.${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid sessionwatch configuration:\n${problems}`);
  }
  return result.data;
}

/**
 * The `sessionwatch` context object (cdk.json or `-c`), replaced by the JSON file named in the `sessionwatch:config`
 * context value (`npx cdk synth -c sessionwatch:config=prod.json`) when there is one.
 */
export function configFromContext(tryGetContext: (key: string) => unknown): SessionWatchConfig {
  const file = tryGetContext('sessionwatch:config');
  const raw = typeof file === 'string' ? JSON.parse(readFileSync(file, 'utf8')) : tryGetContext('sessionwatch');
  if (raw === undefined) throw new Error('no sessionwatch configuration: set the "sessionwatch" context in cdk.json');
  return parseConfig(typeof raw === 'string' ? JSON.parse(raw) : raw);
}
