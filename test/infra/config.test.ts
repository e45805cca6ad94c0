import { describe, expect, it } from 'vitest';
import { configFromContext, parseConfig } from '../../infra/config.js';

const minimal = { organizationId: 'o-a1b2c3d4e5', region: 'eu-west-1', loggingAccount: '111111111111' };

describe('app configuration', () => {
  it('fills the defaults of a minimal configuration', () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      workloadAccounts: [],
      logRetentionDays: 30,
      workloadLogRetentionDays: 14,
      session: {},
      pipeline: {
        runtime: 'nodejs22.x',
        minSeverity: 'low',
        coverageGraceMinutes: 30,
        coverageIntervalMinutes: 5,
        sinks: [],
      },
    });
    expect(config.objectLock).toBeUndefined();
    expect(config.guardrails).toBeUndefined();
  });

  it('names every bad field, with its path', () => {
    expect(() =>
      parseConfig({
        ...minimal,
        loggingAccount: '42',
        session: { idleSessionTimeoutMinutes: 90 },
        pipeline: { minSeverity: 'urgent' },
      }),
    ).toThrow(
      /sessionwatch\.loggingAccount: a 12-digit AWS account id[\s\S]*sessionwatch\.session\.idleSessionTimeoutMinutes[\s\S]*sessionwatch\.pipeline\.minSeverity/,
    );
    expect(() => parseConfig({ ...minimal, colour: 'blue' })).toThrow(/colour/);
  });

  it('requires the transcript key ARN once there are workload accounts, and a management account for guardrails', () => {
    expect(() => parseConfig({ ...minimal, workloadAccounts: ['222222222222'] })).toThrow(
      /sessionwatch\.transcriptKeyArn: required for workload accounts/,
    );
    expect(() => parseConfig({ ...minimal, guardrails: { targetIds: ['r-ab12'] } })).toThrow(
      /sessionwatch\.managementAccount/,
    );
  });

  it('reads the sessionwatch context object, or a JSON string of it', () => {
    const context: Record<string, unknown> = { sessionwatch: JSON.stringify(minimal) };
    expect(configFromContext((k) => context[k]).loggingAccount).toBe('111111111111');
    expect(() => configFromContext(() => undefined)).toThrow(/no sessionwatch configuration/);
  });
});
