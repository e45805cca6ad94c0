import type { Truth } from '../sinks/helpers/alerts.js';

/**
 * CloudTrail records shaped like the ones Session Manager writes (field set of the CloudTrail userIdentity and
 * StartSession documentation), built from a fixture session's facts.
 */
export function startSessionRecord(
  truth: Truth,
  extra: { reason?: string; documentName?: string; mfa?: boolean } = {},
) {
  const arn = truth.principal;
  const isUser = arn.includes(':user/');
  const role = /assumed-role\/([^/]+)\//.exec(arn)?.[1];
  const sessionName = arn.split('/').at(-1);
  return {
    eventVersion: '1.09',
    userIdentity: isUser
      ? {
          type: 'IAMUser',
          principalId: 'AIDAEXAMPLEUSERID0001',
          arn,
          accountId: truth.account,
          accessKeyId: 'AKIAEXAMPLEKEYID0001',
          userName: sessionName,
        }
      : {
          type: 'AssumedRole',
          principalId: `AROAEXAMPLEROLEID0001:${sessionName}`,
          arn,
          accountId: truth.account,
          accessKeyId: 'ASIAEXAMPLEKEYID0001',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROAEXAMPLEROLEID0001',
              arn: `arn:aws:iam::${truth.account}:role/${role}`,
              accountId: truth.account,
              userName: role,
            },
            attributes: { creationDate: truth.start, mfaAuthenticated: String(extra.mfa ?? false) },
          },
        },
    eventTime: truth.start,
    eventSource: 'ssm.amazonaws.com',
    eventName: 'StartSession',
    awsRegion: truth.region,
    sourceIPAddress: '198.51.100.23',
    userAgent:
      'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
    requestParameters: {
      target: truth.instanceId,
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(extra.documentName ? { documentName: extra.documentName } : {}),
    },
    responseElements: {
      sessionId: truth.sessionId,
      tokenValue: 'Value hidden due to security reasons.',
      streamUrl: `wss://ssmmessages.${truth.region}.amazonaws.com/v1/data-channel/${truth.sessionId}?role=publish_subscribe&cell-number=AAEAAQ`,
    },
    requestID: '7f2f1b8e-2b1f-4c1e-9a43-0d1b5a0d6c11',
    eventID: `ev-${truth.sessionId}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: truth.account,
    eventCategory: 'Management',
  };
}

export function laterRecord(
  truth: Truth,
  name: 'ResumeSession' | 'TerminateSession',
  time: string,
  callerArn = truth.principal,
) {
  const start = startSessionRecord(truth);
  return {
    ...start,
    userIdentity: { ...start.userIdentity, arn: callerArn },
    eventTime: time,
    eventName: name,
    requestParameters: { sessionId: truth.sessionId },
    responseElements:
      name === 'TerminateSession'
        ? { sessionId: truth.sessionId }
        : { sessionId: truth.sessionId, tokenValue: 'Value hidden due to security reasons.' },
    eventID: `ev-${name}-${truth.sessionId}`,
  };
}

/** What EventBridge delivers for a CloudTrail management event. */
export function eventBridge(detail: unknown) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ssm',
    account: (detail as { recipientAccountId: string }).recipientAccountId,
    time: (detail as { eventTime: string }).eventTime,
    region: (detail as { awsRegion: string }).awsRegion,
    resources: [],
    detail,
  };
}
