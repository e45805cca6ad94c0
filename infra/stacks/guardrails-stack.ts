import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Guardrails, type GuardrailsProps } from '../constructs/guardrails.js';

export type GuardrailsStackProps = StackProps & GuardrailsProps;

/** Deployed in the organisation's management account (SCPs can only be created there). */
export class GuardrailsStack extends Stack {
  constructor(scope: Construct, id: string, props: GuardrailsStackProps) {
    super(scope, id, props);
    new Guardrails(this, 'Guardrails', props);
  }
}
