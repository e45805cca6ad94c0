import { App, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, type SessionWatchConfig } from './config.js';
import { NAMES } from './constructs/names.js';
import { DEFAULT_MAX_SESSION_MINUTES } from './constructs/session-preferences.js';
import { FEATURE_FLAGS } from './feature-flags.js';
import { GuardrailsStack } from './stacks/guardrails-stack.js';
import { LoggingAccountStack } from './stacks/logging-account-stack.js';
import { PipelineStack } from './stacks/pipeline-stack.js';
import { WorkloadAccountStack } from './stacks/workload-account-stack.js';

export interface SessionWatchStacks {
  readonly logging: LoggingAccountStack;
  readonly pipeline: PipelineStack;
  readonly workloads: readonly WorkloadAccountStack[];
  readonly guardrails?: GuardrailsStack;
}

/**
 * Every stack of the configuration, in deployment order: logging account, pipeline (same account), one stack per
 * workload account, and the guardrails in the management account.
 */
export function addStacks(app: App, config: SessionWatchConfig, code?: lambda.Code): SessionWatchStacks {
  const env = (account: string) => ({ account, region: config.region });
  const logging = new LoggingAccountStack(app, 'SessionWatch-Logging', {
    env: env(config.loggingAccount),
    description: 'sessionwatch: transcript key, bucket and log group of the logging account',
    organizationId: config.organizationId,
    logRetentionDays: config.logRetentionDays,
    sessionPolicy: config.session,
    ...(config.lifecycle ? { lifecycle: config.lifecycle } : {}),
    ...(config.objectLock ? { objectLock: config.objectLock } : {}),
  });
  const { pipeline: p } = config;
  const pipeline = new PipelineStack(app, 'SessionWatch-Pipeline', {
    env: env(config.loggingAccount),
    description: 'sessionwatch: detection pipeline (functions, queues, tables, alerts, alarms)',
    organizationId: config.organizationId,
    // Names, not references: the stacks share no CloudFormation export, so each can be updated on its own.
    transcriptBucketName: NAMES.transcriptBucket(config.loggingAccount, config.region),
    ...(config.transcriptKeyArn ? { transcriptKeyArn: config.transcriptKeyArn } : {}),
    sessionLogGroupName: NAMES.sessionLogGroup,
    accessLogsBucketName: NAMES.accessLogsBucket(config.loggingAccount, config.region),
    workloadAccounts: config.workloadAccounts,
    runtime: p.runtime === 'nodejs20.x' ? Runtime.NODEJS_20_X : Runtime.NODEJS_22_X,
    sinks: p.sinks,
    iocSources: p.iocSources,
    ruleSources: p.ruleSources,
    minSeverity: p.minSeverity,
    coverageGraceMinutes: p.coverageGraceMinutes,
    coverageIntervalMinutes: p.coverageIntervalMinutes,
    coverageMaxSessionMinutes: config.session.maxSessionDurationMinutes ?? DEFAULT_MAX_SESSION_MINUTES,
    logLevel: p.logLevel,
    logRetentionDays: config.logRetentionDays,
    alertEmails: p.alertEmails,
    operatorEmails: p.operatorEmails,
    streamShards: p.streamShards,
    ...(p.hecUrl ? { hecUrl: p.hecUrl } : {}),
    ...(code ? { code } : {}),
  });
  pipeline.addStackDependency(logging);
  const workloads = config.workloadAccounts.map((account) => {
    const stack = new WorkloadAccountStack(app, `SessionWatch-Workload-${account}`, {
      env: env(account),
      description: 'sessionwatch: Session Manager preferences, log delivery and instance baseline of a member account',
      loggingAccount: config.loggingAccount,
      transcriptKeyArn: config.transcriptKeyArn!,
      logRetentionDays: config.workloadLogRetentionDays,
      sessionPolicy: config.session,
    });
    return stack;
  });
  const guardrails =
    config.guardrails && config.managementAccount
      ? new GuardrailsStack(app, 'SessionWatch-Guardrails', {
          env: env(config.managementAccount),
          description: 'sessionwatch: service control policy and Config rules (management account)',
          ...config.guardrails,
        })
      : undefined;
  return guardrails ? { logging, pipeline, workloads, guardrails } : { logging, pipeline, workloads };
}

/** The app `npx cdk synth` runs; cdk-nag's AwsSolutions checks fail the synthesis on any unacknowledged finding. */
export function main(): App {
  const app = new App({ context: FEATURE_FLAGS });
  // SESSIONWATCH_LAMBDA_DIR points the functions at another build of the bundle (tests, CI without a bundle).
  const codeDir = process.env.SESSIONWATCH_LAMBDA_DIR;
  addStacks(
    app,
    configFromContext((key) => app.node.tryGetContext(key)),
    codeDir ? Code.fromAsset(codeDir) : undefined,
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  app.synth();
  return app;
}
