import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addStacks, type SessionWatchStacks } from '../../infra/app.js';
import { parseConfig, type SessionWatchConfig } from '../../infra/config.js';
import { FEATURE_FLAGS } from '../../infra/feature-flags.js';
import { lambdaBundleDir } from '../../infra/paths.js';
import type { CfnJson } from './template-values.js';

export const LOGGING_ACCOUNT = '111111111111';
export const WORKLOAD_ACCOUNT = '222222222222';
export const MANAGEMENT_ACCOUNT = '333333333333';
export const REGION = 'eu-west-1';
export const ORG_ID = 'o-a1b2c3d4e5';
export const TRANSCRIPT_KEY_ARN = `arn:aws:kms:${REGION}:${LOGGING_ACCOUNT}:key/0f1e2d3c-4b5a-4968-8776-655443322110`;

/** A configuration with every optional part switched on, as an organisation would deploy it. */
export function testConfig(overrides: Record<string, unknown> = {}): SessionWatchConfig {
  return parseConfig({
    organizationId: ORG_ID,
    region: REGION,
    loggingAccount: LOGGING_ACCOUNT,
    workloadAccounts: [WORKLOAD_ACCOUNT],
    transcriptKeyArn: TRANSCRIPT_KEY_ARN,
    managementAccount: MANAGEMENT_ACCOUNT,
    objectLock: { mode: 'COMPLIANCE', days: 365 },
    session: { idleSessionTimeoutMinutes: 15, maxSessionDurationMinutes: 240, runAsDefaultUser: 'ec2-user' },
    pipeline: {
      hecUrl: 'https://splunk.example.com:8088',
      iocSources: ['iocs/feed.txt'],
      ruleSources: ['rules/', 's3://org-detections-bucket/sessionwatch/extra.yaml'],
      minSeverity: 'medium',
      operatorEmails: ['secops@example.com'],
    },
    guardrails: { targetIds: ['ou-ab12-34cd56ef'] },
    ...overrides,
  });
}

/**
 * The real bundle when `npm run bundle` has produced it, otherwise a one-line stand-in (the templates do not
 * depend on the code, only the normalised asset hash does).
 */
export function testLambdaCode(): lambda.Code {
  const dir = lambdaBundleDir();
  if (existsSync(join(dir, 'index.mjs'))) return lambda.Code.fromAsset(dir);
  const stand_in = mkdtempSync(join(tmpdir(), 'sessionwatch-lambda-'));
  writeFileSync(join(stand_in, 'index.mjs'), 'export const handler = async () => ({});\n');
  return lambda.Code.fromAsset(stand_in);
}

export function newApp(outdir = mkdtempSync(join(tmpdir(), 'sessionwatch-cdk-'))): App {
  mkdirSync(outdir, { recursive: true });
  return new App({ context: FEATURE_FLAGS, outdir });
}

export interface Built {
  readonly app: App;
  readonly stacks: SessionWatchStacks;
  readonly all: readonly Stack[];
}

export function buildAll(config: SessionWatchConfig = testConfig()): Built {
  const app = newApp();
  const stacks = addStacks(app, config, testLambdaCode());
  const all = [stacks.logging, stacks.pipeline, ...stacks.workloads, ...(stacks.guardrails ? [stacks.guardrails] : [])];
  return { app, stacks, all };
}

let shared: Built | undefined;
/** One build of the default configuration per test file, for tests that only read templates. */
export function sharedBuild(): Built {
  shared ??= buildAll();
  return shared;
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

export interface NagViolation {
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

/** Synthesises the app with cdk-nag's AwsSolutions pack and returns every unacknowledged finding. */
export function nagViolations(app: App): NagViolation[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    if ((error as Error).name !== 'ValidationFailed') throw error;
  }
  const reportFile = join(app.outdir, 'validation-report.json');
  if (!existsSync(reportFile)) return [];
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    pluginReports: {
      violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  return report.pluginReports.flatMap((r) =>
    r.violations.map((v) => ({
      rule: v.ruleName,
      severity: v.severity,
      paths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
}

/** Asset hashes change with every build of the bundle; the snapshot keeps only their shape. */
export function normalisedTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

/** Every resource of a type, as [logicalId, resource] pairs. */
export function resourcesOf(stack: Stack, type: string): [string, { Properties: Record<string, CfnJson> }][] {
  return Object.entries(Template.fromStack(stack).findResources(type)) as [
    string,
    { Properties: Record<string, CfnJson> },
  ][];
}
