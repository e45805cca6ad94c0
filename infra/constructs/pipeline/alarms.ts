import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
}

export interface PipelineAlarmsProps {
  readonly topic: sns.ITopic;
  readonly functions: readonly lambda.IFunction[];
  /** Queues that should stay empty: any message in one is work that failed. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The EMF metric the handlers emit for each alert they could not deliver. */
  readonly deadLetteredAlerts: DeadLetterMetric;
  /** The function that reads the Kinesis stream (its iterator age says how far behind the stream it is). */
  readonly streamConsumer?: lambda.IFunction;
}

/** Alarms to the operations topic: errors, throttles, dead-letter depth, dead-lettered alerts, stream lag. */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const notify = new actions.SnsAction(props.topic);
    const add = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.alarms.push(alarm);
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

    props.functions.forEach((fn, i) => {
      add(`Errors${i}`, fn.metricErrors(fiveMinutes), 1, `sessionwatch function ${fn.functionName} failed`);
      add(`Throttles${i}`, fn.metricThrottles(fiveMinutes), 1, `sessionwatch function ${fn.functionName} throttled`);
    });
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      add(`${name}Depth`, depth, 1, `sessionwatch: messages waiting in ${name}; inspect and redrive`);
    }
    const deadLettered = new cloudwatch.Metric({
      namespace: props.deadLetteredAlerts.namespace,
      metricName: props.deadLetteredAlerts.metricName,
      dimensionsMap: props.deadLetteredAlerts.dimensions,
      ...fiveMinutes,
    });
    add(
      'DeadLetteredAlerts',
      deadLettered,
      1,
      'sessionwatch: alerts could not be delivered to a sink and were spooled',
    );
    if (props.streamConsumer) {
      const lag = props.streamConsumer.metric('IteratorAge', {
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      add('StreamLag', lag, 5 * 60_000, 'sessionwatch: session log stream processing is more than 5 minutes behind');
    }
  }
}
