/**
 * The CDK feature flags this app is written against, set in code (not in cdk.json) so the app, the tests and any
 * embedding app build the same templates. Only flags whose behaviour the constructs rely on are listed.
 */
export const FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  // Access-log delivery through a bucket policy for logging.s3.amazonaws.com, not the legacy ACL grant.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Strip every rule from a new VPC's default security group (it otherwise allows inbound from itself).
  '@aws-cdk/aws-ec2:restrictDefaultSecurityGroup': true,
  // The custom-resource Lambda uses the SDK of its runtime; nothing is downloaded at deploy time.
  '@aws-cdk/customresources:installLatestAwsSdkDefault': false,
  // Adding a notification to an imported bucket keeps the notifications other tools put on it.
  '@aws-cdk/aws-s3:keepNotificationInImportedBucket': true,
  // Event rules whose target is a queue in the same account get the queue policy with aws:SourceArn.
  '@aws-cdk/aws-events:eventsTargetQueueSameAccount': true,
  '@aws-cdk/aws-events:requireEventBusPolicySid': true,
};
