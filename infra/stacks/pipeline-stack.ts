import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DetectionPipeline, type DetectionPipelineProps } from '../constructs/pipeline/detection-pipeline.js';

export type PipelineStackProps = StackProps & DetectionPipelineProps;

/** The detection pipeline, deployed in the logging account after the logging-account stack. */
export class PipelineStack extends Stack {
  readonly pipeline: DetectionPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    this.pipeline = new DetectionPipeline(this, 'Pipeline', props);
  }
}
