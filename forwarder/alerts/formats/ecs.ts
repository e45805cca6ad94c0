import { isIP } from 'node:net';
import type { Severity } from '../../../detectors/model.js';
import type { Alert } from '../alert.js';
import { sessionConsoleUrl, transcriptS3Uri } from '../links.js';
import { alertTimeMs, PRODUCT, splitAttack } from './common.js';

export const ECS_VERSION = '8.11.0';

/** Elastic Security's severity scores, also used as event.risk_score. */
const SEVERITY_SCORE: Record<Severity, number> = { info: 0, low: 21, medium: 47, high: 73, critical: 99 };

const uniq = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))];

/** Alert → Elastic Common Schema document (pure, apart from `now` when the alert has no time). */
export function toEcs(alert: Alert, now: () => number = Date.now) {
  const actor = alert.actor;
  const ip = actor?.sourceIp ?? null;
  const attacks = alert.attack.map(splitAttack);
  const url = alert.evidence.find((e) => e.kind === 'url')?.value;
  const evidenceIps = alert.evidence.filter((e) => e.kind === 'ip' && isIP(e.value)).map((e) => e.value);
  const transcript = transcriptS3Uri(alert);
  return {
    '@timestamp': new Date(alertTimeMs(alert, now)).toISOString(),
    message: `${alert.title}: ${alert.command}`,
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'alert',
      category: ['intrusion_detection', 'process'],
      type: ['info'],
      id: alert.id,
      code: alert.ruleId,
      action: alert.category,
      severity: SEVERITY_SCORE[alert.severity],
      risk_score: SEVERITY_SCORE[alert.severity],
      module: PRODUCT.name,
      dataset: `${PRODUCT.name}.alert`,
      provider: PRODUCT.name,
      reference: sessionConsoleUrl(alert),
      ...(alert.count ? { sequence: alert.count } : {}),
    },
    rule: {
      id: alert.ruleId,
      name: alert.title,
      ...(alert.description ? { description: alert.description } : {}),
      category: alert.category,
      ruleset: PRODUCT.name,
      ...(alert.references?.[0] ? { reference: alert.references[0] } : {}),
    },
    ...(attacks.length
      ? {
          threat: {
            framework: 'MITRE ATT&CK',
            technique: {
              id: uniq(attacks.map((a) => a.technique)),
              ...(attacks.some((a) => a.sub) ? { subtechnique: { id: uniq(attacks.map((a) => a.sub)) } } : {}),
            },
          },
        }
      : {}),
    process: {
      command_line: alert.command,
      ...(alert.cwd ? { working_directory: alert.cwd } : {}),
      ...(alert.user ? { user: { name: alert.user } } : {}),
    },
    user: {
      ...(actor?.name ? { name: actor.name } : {}),
      ...(actor?.principalArn ? { id: actor.principalArn } : {}),
      ...(actor?.email ? { email: actor.email } : {}),
      ...(alert.user ? { effective: { name: alert.user } } : {}),
    },
    host: {
      ...(alert.instanceId ? { id: alert.instanceId } : {}),
      ...((alert.host ?? alert.instanceId) ? { name: alert.host ?? alert.instanceId } : {}),
      ...(alert.host ? { hostname: alert.host } : {}),
    },
    cloud: {
      provider: 'aws',
      service: { name: 'ssm' },
      ...(alert.region ? { region: alert.region } : {}),
      ...(alert.account ? { account: { id: alert.account } } : {}),
      ...(alert.instanceId ? { instance: { id: alert.instanceId } } : {}),
    },
    ...(ip ? { source: isIP(ip) ? { ip, address: ip } : { address: ip } } : {}),
    ...(actor?.userAgent ? { user_agent: { original: actor.userAgent } } : {}),
    ...(url ? { url: { original: url } } : {}),
    related: {
      user: uniq([actor?.name, actor?.email, alert.user]),
      ip: uniq([ip && isIP(ip) ? ip : null, ...evidenceIps]),
      hosts: uniq([alert.host, alert.instanceId]),
    },
    labels: { ssm_session_id: alert.sessionId },
    tags: [PRODUCT.name, alert.category],
    sessionwatch: {
      alert_id: alert.id,
      session_id: alert.sessionId,
      seq: alert.seq,
      source: alert.source,
      root: alert.root,
      evidence: alert.evidence,
      actor_type: actor?.type ?? null,
      actor_from: actor?.from ?? null,
      mfa: actor?.mfa ?? null,
      ...(actor?.reason ? { reason: actor.reason } : {}),
      ...(actor?.sessionStart ? { session_start: actor.sessionStart } : {}),
      ...(actor?.sessionEnd ? { session_end: actor.sessionEnd } : {}),
      ...(alert.redactions ? { redactions: alert.redactions, redaction_kinds: alert.redactionKinds } : {}),
      ...(alert.count ? { count: alert.count, grouped_ids: alert.groupedIds } : {}),
      ...(alert.summary ? { summary: alert.summary } : {}),
      ...(transcript ? { transcript } : {}),
    },
  };
}
