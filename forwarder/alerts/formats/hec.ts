import type { Alert } from '../alert.js';
import { alertTimeMs } from './common.js';

export const HEC_SOURCETYPE = 'sessionwatch:alert';

export interface HecOptions {
  index?: string;
  now?: () => number;
}

/**
 * Alert → Splunk HEC event envelope. `time` is epoch seconds (milliseconds as decimals), `host` the instance,
 * `source` the session, and the indexed `fields` carry the alert id so duplicates are found with `| dedup alert_id`.
 */
export function toHecEvent(alert: Alert, options: HecOptions = {}) {
  return {
    time: alertTimeMs(alert, options.now) / 1000,
    host: alert.instanceId ?? alert.host ?? 'sessionwatch',
    source: `ssm-session:${alert.sessionId}`,
    sourcetype: HEC_SOURCETYPE,
    ...(options.index ? { index: options.index } : {}),
    event: alert,
    fields: {
      alert_id: alert.id,
      rule_id: alert.ruleId,
      severity: alert.severity,
      category: alert.category,
      ...(alert.account ? { account: alert.account } : {}),
    },
  };
}
