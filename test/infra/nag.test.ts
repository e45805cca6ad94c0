import { describe, expect, it } from 'vitest';
import { buildAll, nagViolations, testConfig } from './helpers.js';

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in any stack, every option on', () => {
    const { app, all } = buildAll(testConfig());
    expect(all.map((s) => s.stackName)).toEqual([
      'SessionWatch-Logging',
      'SessionWatch-Pipeline',
      'SessionWatch-Workload-222222222222',
      'SessionWatch-Guardrails',
    ]);
    expect(nagViolations(app)).toEqual([]);
  });

  it('finds nothing unacknowledged with the minimal configuration', () => {
    const { app } = buildAll(testConfig({ pipeline: {}, objectLock: undefined, guardrails: undefined, session: {} }));
    expect(nagViolations(app)).toEqual([]);
  });

  it('does report findings (the check is live): a stack with an unencrypted, unlogged bucket fails', async () => {
    const { Stack } = await import('aws-cdk-lib');
    const s3 = await import('aws-cdk-lib/aws-s3');
    const { app } = buildAll(testConfig());
    new s3.Bucket(new Stack(app, 'Careless', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Bucket');
    const rules = nagViolations(app).map((v) => v.rule);
    expect(rules).toContain('AwsSolutions-S1');
    expect(rules).toContain('AwsSolutions-S10');
  });
});
