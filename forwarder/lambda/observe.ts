import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Severity } from '../../detectors/model.js';

/**
 * Structured JSON logs (session id and request id as keys, never transcript content) and CloudWatch Embedded
 * Metric Format metrics, through Powertools for AWS Lambda.
 */
export interface Observer {
  logger: Logger;
  count(metric: PipelineMetric, value?: number): void;
  alerts(severity: Severity, value: number): void;
  latency(ms: number): void;
  flush(): void;
}

export type PipelineMetric =
  | 'Sessions'
  | 'Commands'
  | 'ParseErrors'
  | 'InvalidUtf8'
  | 'SkippedRecords'
  | 'DuplicateEvents'
  | 'LateEvents'
  | 'AlertsDeadLettered'
  | 'AlreadyRaised'
  | 'EnrichmentMisses'
  | 'ObjectsRead'
  | 'ObjectBytes'
  | 'ObjectReadErrors'
  | 'KmsAccessDenied'
  | 'Continuations'
  | 'MessagesRequeued'
  | 'SessionEventsIndexed'
  | 'SessionEventsRejected'
  | 'CoverageSessionsChecked'
  | 'CoverageErrors';

export function createObserver(env: NodeJS.ProcessEnv): Observer {
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? 'sessionwatch';
  const logger = new Logger({ serviceName, logLevel: (env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO' });
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'sessionwatch', serviceName });
  return {
    logger,
    count: (metric, value = 1) => {
      if (value > 0) metrics.addMetric(metric, metric === 'ObjectBytes' ? MetricUnit.Bytes : MetricUnit.Count, value);
    },
    alerts: (severity, value) => {
      if (value > 0)
        metrics.addMetric(`Alerts${severity[0]!.toUpperCase()}${severity.slice(1)}`, MetricUnit.Count, value);
    },
    latency: (ms) => metrics.addMetric('DeliveryLatency', MetricUnit.Milliseconds, Math.max(0, ms)),
    flush: () => metrics.publishStoredMetrics(),
  };
}
