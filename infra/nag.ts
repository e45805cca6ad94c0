import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct and its children, with the reason it is acceptable. A finding is
 * either a rule (`AwsSolutions-L1`) or one of its findings (`AwsSolutions-IAM5[Resource::arn:...]`), so a wildcard
 * suppression never hides a second, unreviewed wildcard on the same policy.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${id} needs a real reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/** IAM5 findings name the wildcard resource exactly as it appears in the policy. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const resource of resources) acknowledge(scope, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
}

/** How cdk-nag prints an ARN built in this app's partition: `arn:<AWS::Partition>:...`. */
export function nagArn(service: string, rest: string): string {
  return `arn:<AWS::Partition>:${service}:${rest}`;
}
