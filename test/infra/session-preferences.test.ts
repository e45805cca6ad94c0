import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  PREFERENCES_DOCUMENT,
  preferencesDocument,
  SessionManagerPreferences,
} from '../../infra/constructs/session-preferences.js';
import { LOGGING_ACCOUNT, newApp, REGION, sharedBuild, WORKLOAD_ACCOUNT } from './helpers.js';
import { parseFlattened } from './template-values.js';

interface SdkCall {
  service: string;
  action: string;
  parameters: Record<string, string>;
  physicalResourceId: { id: string };
  outputPaths?: string[];
  ignoreErrorCodesMatching?: string;
}

/** The four SDK calls of a preferences construct, by construct id, as the custom resources will make them. */
function calls(stack: Stack) {
  const template = Template.fromStack(stack);
  const resources = template.findResources('Custom::SessionManagerPreferences');
  const byName: Record<
    string,
    { id: string; create: SdkCall; update?: SdkCall; dependsOn: string[]; deleteCall?: unknown }
  > = {};
  for (const [id, r] of Object.entries(resources)) {
    const name = /^Preferences(Create|Update|Describe|SetDefault)[0-9A-F]{8}$/.exec(id)![1]!;
    byName[name] = {
      id,
      create: parseFlattened(r.Properties.Create),
      ...(r.Properties.Update ? { update: parseFlattened(r.Properties.Update) } : {}),
      deleteCall: r.Properties.Delete,
      dependsOn: r.DependsOn ?? [],
    };
  }
  return { template, byName };
}

function workloadStack() {
  return sharedBuild().stacks.workloads[0]!;
}

describe('Session Manager preferences document content', () => {
  it('holds every preference with the types Session Manager expects', () => {
    const doc = preferencesDocument('222222222222', {
      s3BucketName: 'transcripts',
      cloudWatchLogGroupName: '/sessionwatch/session-logs',
      kmsKeyId: 'arn:aws:kms:eu-west-1:222222222222:key/k',
      idleSessionTimeoutMinutes: 15,
      maxSessionDurationMinutes: 240,
      runAsDefaultUser: 'ec2-user',
      shellProfile: { linux: 'exec bash -l' },
    });
    expect(doc).toEqual({
      schemaVersion: '1.0',
      description: expect.stringContaining('sessionwatch'),
      sessionType: 'Standard_Stream',
      inputs: {
        s3BucketName: 'transcripts',
        s3KeyPrefix: '222222222222/session-logs/',
        s3EncryptionEnabled: true,
        cloudWatchLogGroupName: '/sessionwatch/session-logs',
        cloudWatchEncryptionEnabled: true,
        cloudWatchStreamingEnabled: true,
        kmsKeyId: 'arn:aws:kms:eu-west-1:222222222222:key/k',
        idleSessionTimeout: '15',
        maxSessionDuration: '240',
        runAsEnabled: true,
        runAsDefaultUser: 'ec2-user',
        shellProfile: { linux: 'exec bash -l', windows: '' },
      },
    });
  });

  it('defaults to a 20-minute idle timeout, an 8-hour maximum and RunAs off', () => {
    const { inputs } = preferencesDocument('1', { s3BucketName: 'b', cloudWatchLogGroupName: 'g', kmsKeyId: 'k' });
    expect(inputs).toMatchObject({
      idleSessionTimeout: '20',
      maxSessionDuration: '480',
      runAsEnabled: false,
      runAsDefaultUser: '',
    });
  });

  it('refuses values Session Manager would reject', () => {
    const base = { s3BucketName: 'b', cloudWatchLogGroupName: 'g', kmsKeyId: 'k' };
    expect(() => preferencesDocument('1', { ...base, idleSessionTimeoutMinutes: 61 })).toThrow(
      /idleSessionTimeout must be 1-60/,
    );
    expect(() => preferencesDocument('1', { ...base, maxSessionDurationMinutes: 0 })).toThrow(
      /maxSessionDuration must be 1-1440/,
    );
    expect(() => preferencesDocument('1', { ...base, runAsDefaultUser: 'root; rm -rf /' })).toThrow(
      /not an OS user name/,
    );
  });
});

describe('Session Manager preferences as custom resources (the document usually exists already)', () => {
  it('writes the workload account preferences: central bucket, own prefix, local log group, streaming, KMS, timeouts, RunAs', () => {
    const { byName } = calls(workloadStack());
    const content = JSON.parse(byName.Create!.create.parameters.Content!);
    expect(content.sessionType).toBe('Standard_Stream');
    expect(content.inputs).toEqual({
      s3BucketName: `sessionwatch-transcripts-${LOGGING_ACCOUNT}-${REGION}`,
      s3KeyPrefix: `${WORKLOAD_ACCOUNT}/session-logs/`,
      s3EncryptionEnabled: true,
      cloudWatchLogGroupName: '/sessionwatch/session-logs',
      cloudWatchEncryptionEnabled: true,
      cloudWatchStreamingEnabled: true,
      kmsKeyId: expect.stringMatching(/^<GetAtt:SessionKey[0-9A-F]{8}\.Arn>$/),
      idleSessionTimeout: '15',
      maxSessionDuration: '240',
      runAsEnabled: true,
      runAsDefaultUser: 'ec2-user',
      shellProfile: { linux: '', windows: '' },
    });
  });

  it('creates the document, tolerating DocumentAlreadyExists, and does nothing on update or delete', () => {
    const { byName } = calls(workloadStack());
    const create = byName.Create!;
    expect(create.create).toMatchObject({
      service: 'SSM',
      action: 'createDocument',
      parameters: { Name: PREFERENCES_DOCUMENT, DocumentType: 'Session', DocumentFormat: 'JSON' },
      ignoreErrorCodesMatching: 'DocumentAlreadyExists',
    });
    expect(create.update).toBeUndefined();
    for (const step of Object.values(byName)) expect(step.deleteCall).toBeUndefined();
  });

  it('then updates $LATEST with the same content, tolerating DuplicateDocumentContent, on create and on update', () => {
    const { byName } = calls(workloadStack());
    const update = byName.Update!;
    for (const c of [update.create, update.update!]) {
      expect(c).toMatchObject({
        action: 'updateDocument',
        parameters: { Name: PREFERENCES_DOCUMENT, DocumentVersion: '$LATEST', DocumentFormat: 'JSON' },
        ignoreErrorCodesMatching: 'DuplicateDocumentContent',
      });
      expect(c.parameters.Content).toBe(byName.Create!.create.parameters.Content);
    }
  });

  it('reads LatestVersion and makes it the default version, in that order', () => {
    const { byName } = calls(workloadStack());
    expect(byName.Describe!.create).toMatchObject({
      action: 'describeDocument',
      outputPaths: ['Document.LatestVersion'],
    });
    expect(byName.SetDefault!.create).toMatchObject({
      action: 'updateDocumentDefaultVersion',
      parameters: {
        Name: PREFERENCES_DOCUMENT,
        DocumentVersion: `<GetAtt:${byName.Describe!.id}.Document.LatestVersion>`,
      },
    });
    expect(byName.Update!.dependsOn).toContain(byName.Create!.id);
    expect(byName.Describe!.dependsOn).toContain(byName.Update!.id);
    expect(byName.SetDefault!.dependsOn).toContain(byName.Describe!.id);
  });

  it('runs Describe and SetDefault again whenever the content changes (content hash in their physical id)', () => {
    const ids = (idle: number) => {
      const stack = new Stack(newApp(), 'S', { env: { account: WORKLOAD_ACCOUNT, region: REGION } });
      new SessionManagerPreferences(stack, 'Preferences', {
        s3BucketName: 'b',
        cloudWatchLogGroupName: 'g',
        kmsKeyId: 'k',
        idleSessionTimeoutMinutes: idle,
        logGroup: new logs.LogGroup(stack, 'L'),
      });
      const { byName } = calls(stack);
      return [byName.Describe!.create.physicalResourceId.id, byName.SetDefault!.create.physicalResourceId.id];
    };
    expect(ids(20)).toEqual(ids(20));
    expect(ids(20)[0]).not.toBe(ids(10)[0]);
    expect(ids(20)[1]).not.toBe(ids(10)[1]);
  });

  it('allows each step exactly its one SSM action on the preferences document', () => {
    const { template } = calls(workloadStack());
    const actions: string[] = [];
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      if (!/^Preferences.*CustomResourcePolicy/.test(id)) continue;
      for (const s of policy.Properties.PolicyDocument.Statement) {
        actions.push(s.Action);
        expect(JSON.stringify(s.Resource)).toContain(
          `:ssm:${REGION}:${WORKLOAD_ACCOUNT}:document/${PREFERENCES_DOCUMENT}`,
        );
      }
    }
    expect(actions.sort()).toEqual([
      'ssm:CreateDocument',
      'ssm:DescribeDocument',
      'ssm:UpdateDocument',
      'ssm:UpdateDocumentDefaultVersion',
    ]);
  });

  it('the logging account gets its own preferences: its log group, its prefix, its session key', () => {
    const { stacks } = sharedBuild();
    const content = JSON.parse(calls(stacks.logging).byName.Create!.create.parameters.Content!);
    expect(content.inputs).toMatchObject({
      s3BucketName: `sessionwatch-transcripts-${LOGGING_ACCOUNT}-${REGION}`,
      s3KeyPrefix: `${LOGGING_ACCOUNT}/session-logs/`,
      cloudWatchLogGroupName: '/sessionwatch/session-logs',
      cloudWatchStreamingEnabled: true,
    });
  });
});
