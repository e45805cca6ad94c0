import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The account's regional Session Manager preferences live in this reserved Session document. */
export const PREFERENCES_DOCUMENT = 'SSM-SessionManagerRunShell';

export interface SessionPreferences {
  /** Transcript bucket (may be in the logging account). */
  readonly s3BucketName: string;
  /** Default `<account>/session-logs/`. */
  readonly s3KeyPrefix?: string;
  readonly s3EncryptionEnabled?: boolean;
  readonly cloudWatchLogGroupName: string;
  readonly cloudWatchEncryptionEnabled?: boolean;
  /** Stream each line as it is typed (true) instead of uploading the log at session end. */
  readonly cloudWatchStreamingEnabled?: boolean;
  /** KMS key (ARN) that encrypts session data between client and instance. */
  readonly kmsKeyId: string;
  /** Minutes, 1-60. */
  readonly idleSessionTimeoutMinutes?: number;
  /** Minutes, 1-1440. */
  readonly maxSessionDurationMinutes?: number;
  /** Start Linux sessions as this OS user instead of ssm-user. */
  readonly runAsDefaultUser?: string;
  readonly shellProfile?: { readonly linux?: string; readonly windows?: string };
}

export const DEFAULT_IDLE_TIMEOUT_MINUTES = 20;
export const DEFAULT_MAX_SESSION_MINUTES = 480;

/** The inputs block of the Session document, with the types Session Manager expects (timeouts are strings). */
export function preferencesDocument(account: string, prefs: SessionPreferences) {
  const idle = prefs.idleSessionTimeoutMinutes ?? DEFAULT_IDLE_TIMEOUT_MINUTES;
  const max = prefs.maxSessionDurationMinutes ?? DEFAULT_MAX_SESSION_MINUTES;
  if (!Number.isInteger(idle) || idle < 1 || idle > 60)
    throw new Error(`idleSessionTimeout must be 1-60 minutes, got ${idle}`);
  if (!Number.isInteger(max) || max < 1 || max > 1440)
    throw new Error(`maxSessionDuration must be 1-1440 minutes, got ${max}`);
  if (prefs.runAsDefaultUser !== undefined && !/^[a-z_][a-z0-9_.-]{0,31}$/i.test(prefs.runAsDefaultUser))
    throw new Error(`runAsDefaultUser is not an OS user name: ${prefs.runAsDefaultUser}`);
  return {
    schemaVersion: '1.0',
    description: 'Session Manager preferences managed by sessionwatch (infra/constructs/session-preferences.ts)',
    sessionType: 'Standard_Stream',
    inputs: {
      s3BucketName: prefs.s3BucketName,
      s3KeyPrefix: prefs.s3KeyPrefix ?? `${account}/session-logs/`,
      s3EncryptionEnabled: prefs.s3EncryptionEnabled ?? true,
      cloudWatchLogGroupName: prefs.cloudWatchLogGroupName,
      cloudWatchEncryptionEnabled: prefs.cloudWatchEncryptionEnabled ?? true,
      cloudWatchStreamingEnabled: prefs.cloudWatchStreamingEnabled ?? true,
      kmsKeyId: prefs.kmsKeyId,
      idleSessionTimeout: String(idle),
      maxSessionDuration: String(max),
      runAsEnabled: prefs.runAsDefaultUser !== undefined,
      runAsDefaultUser: prefs.runAsDefaultUser ?? '',
      shellProfile: { linux: prefs.shellProfile?.linux ?? '', windows: prefs.shellProfile?.windows ?? '' },
    },
  };
}

export interface SessionManagerPreferencesProps extends SessionPreferences {
  /** The custom resource's own log group (encrypted by the caller's key). */
  readonly logGroup: logs.ILogGroup;
}

/**
 * Writes the Session Manager preferences as code, whether or not the account already has them.
 *
 * `SSM-SessionManagerRunShell` is reserved and usually exists already (the console creates it the first time anyone
 * opens the preferences page), so a plain AWS::SSM::Document would fail with "already exists" in most accounts and
 * would delete the preferences on stack deletion. Instead four SDK calls, in order:
 *   1. CreateDocument (Session, JSON): creates it in a fresh account; DocumentAlreadyExists is expected elsewhere.
 *   2. UpdateDocument against $LATEST: a new version with our content; DuplicateDocumentContent means it is current.
 *   3. DescribeDocument: reads LatestVersion, which exists in every one of the cases above.
 *   4. UpdateDocumentDefaultVersion to that version: Session Manager uses the default version, not the latest.
 * Steps 3 and 4 carry the content hash in their physical id, so any change of preferences runs them again. Stack
 * deletion leaves the preferences in place: turning session logging off must be a deliberate change, not a side effect.
 */
export class SessionManagerPreferences extends Construct {
  /** The exact JSON written to the document. */
  readonly content: string;

  constructor(scope: Construct, id: string, props: SessionManagerPreferencesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.content = stack.toJsonString(preferencesDocument(stack.account, props));
    // Hash of the resolved document (references as CloudFormation intrinsics), stable from one synthesis to the next.
    const contentHash = createHash('sha256')
      .update(JSON.stringify(stack.resolve(preferencesDocument(stack.account, props))))
      .digest('hex');
    const documentArn = stack.formatArn({ service: 'ssm', resource: 'document', resourceName: PREFERENCES_DOCUMENT });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Writes the Session Manager preferences document (SSM-SessionManagerRunShell) only',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${props.logGroup.logGroupArn}`],
      }),
    );

    // outputPaths keep each response to the one field used: a custom resource may return at most 4 KB.
    const call = (
      action: string,
      parameters: Record<string, unknown>,
      physicalId: string,
      outputPath: string,
      ignore?: string,
    ) => ({
      service: 'SSM',
      action,
      parameters,
      physicalResourceId: cr.PhysicalResourceId.of(physicalId),
      outputPaths: [outputPath],
      ...(ignore ? { ignoreErrorCodesMatching: ignore } : {}),
    });
    const resource = (
      name: string,
      action: string,
      onCreate: ReturnType<typeof call>,
      onUpdate?: ReturnType<typeof call>,
    ) =>
      new cr.AwsCustomResource(this, name, {
        resourceType: 'Custom::SessionManagerPreferences',
        onCreate,
        ...(onUpdate ? { onUpdate } : {}),
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: [`ssm:${action}`], resources: [documentArn] }),
        ]),
        role,
        logGroup: props.logGroup,
        installLatestAwsSdk: false,
      });

    const create = resource(
      'Create',
      'CreateDocument',
      call(
        'createDocument',
        { Name: PREFERENCES_DOCUMENT, DocumentType: 'Session', DocumentFormat: 'JSON', Content: this.content },
        PREFERENCES_DOCUMENT,
        'DocumentDescription.DocumentVersion',
        'DocumentAlreadyExists',
      ),
    );
    const updateCall = call(
      'updateDocument',
      { Name: PREFERENCES_DOCUMENT, DocumentVersion: '$LATEST', DocumentFormat: 'JSON', Content: this.content },
      PREFERENCES_DOCUMENT,
      'DocumentDescription.DocumentVersion',
      'DuplicateDocumentContent',
    );
    const update = resource('Update', 'UpdateDocument', updateCall, updateCall);
    const describeCall = call(
      'describeDocument',
      { Name: PREFERENCES_DOCUMENT },
      `describe-${contentHash}`,
      'Document.LatestVersion',
    );
    const describe = resource('Describe', 'DescribeDocument', describeCall, describeCall);
    const latest = describe.getResponseField('Document.LatestVersion');
    const defaultCall = call(
      'updateDocumentDefaultVersion',
      { Name: PREFERENCES_DOCUMENT, DocumentVersion: latest },
      `default-${contentHash}`,
      'Description.DefaultVersion',
    );
    const setDefault = resource('SetDefault', 'UpdateDocumentDefaultVersion', defaultCall, defaultCall);

    update.node.addDependency(create);
    describe.node.addDependency(update);
    setDefault.node.addDependency(describe);
  }
}
