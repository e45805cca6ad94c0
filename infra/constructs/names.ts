/**
 * Names other stacks, accounts and the guardrails rely on. Roles and instance profiles carry fixed prefixes because
 * key policies and the service control policy match them by ARN pattern across accounts.
 */
export const NAMES = {
  sessionLogGroup: '/sessionwatch/session-logs',
  preferencesWriterLogGroup: '/sessionwatch/preferences-writer',
  pipelineRolePrefix: 'sessionwatch-pipeline-',
  instanceRolePrefix: 'sessionwatch-ssm-instance-',
  functionPrefix: 'sessionwatch-',
  logDestination: 'sessionwatch-session-logs',
  eventBus: 'sessionwatch-session-events',
  transcriptBucket: (account: string, region: string) => `sessionwatch-transcripts-${account}-${region}`,
  accessLogsBucket: (account: string, region: string) => `sessionwatch-access-logs-${account}-${region}`,
  configBucket: (account: string, region: string) => `sessionwatch-config-${account}-${region}`,
} as const;
