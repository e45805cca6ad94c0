import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../../nag.js';
import { NAMES } from '../names.js';
import { encryptedLogGroup } from '../session-logging.js';
import { writeOwnLogs } from './permissions.js';

export type FunctionName = 'transcripts' | 'identity' | 'coverage';

export interface PipelineFunctionProps {
  readonly name: FunctionName;
  readonly description: string;
  readonly code: lambda.Code;
  readonly runtime: lambda.Runtime;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly key: kms.IKey;
  readonly logRetentionDays: number;
  /** Where asynchronous invocations (subscription, EventBridge) go after their retries. */
  readonly invocationFailures: sqs.IQueue;
  readonly reservedConcurrency?: number;
}

export interface PipelineFunction {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
}

/**
 * One handler of the bundle (`index.handler`, which dispatches by event shape), arm64, with its own role (named with
 * the prefix the transcript key policy trusts), its own KMS-encrypted log group and no managed policy.
 */
export function pipelineFunction(scope: Construct, id: string, props: PipelineFunctionProps): PipelineFunction {
  const stack = Stack.of(scope);
  const functionName = `${NAMES.functionPrefix}${props.name}`;
  const role = new iam.Role(scope, `${id}Role`, {
    roleName: `${NAMES.pipelineRolePrefix}${props.name}-${stack.region}`,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `sessionwatch ${props.name} function`,
  });
  const logGroup = encryptedLogGroup(scope, `${id}Logs`, {
    logGroupName: `/aws/lambda/${functionName}`,
    encryptionKey: props.key,
    retentionDays: props.logRetentionDays,
  });
  role.addToPrincipalPolicy(writeOwnLogs(logGroup));
  const fn = new lambda.Function(scope, id, {
    functionName,
    description: props.description,
    runtime: props.runtime,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: props.code,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    environment: { SESSIONWATCH_FUNCTION: props.name, ...props.environment },
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
    // The queue ARN only: sending is granted below without the wildcard KMS actions CDK's SqsDestination adds.
    onFailure: { bind: () => ({ destination: props.invocationFailures.queueArn }) },
    ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RecordFailedInvocations',
      actions: ['sqs:SendMessage'],
      resources: [props.invocationFailures.queueArn],
    }),
  );
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'The bundle is built for and tested on nodejs20.x/22.x (the code contract); nodejs24.x is adopted when the tests run on it.',
  );
  return { fn, role };
}
