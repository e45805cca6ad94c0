import { isIP } from 'node:net';
import type { Severity } from '../../../detectors/model.js';
import type { Actor, Alert } from '../alert.js';
import { sessionConsoleUrl, transcriptS3Uri } from '../links.js';
import { alertTimeMs, PRODUCT, SEVERITY_LABEL, splitAttack } from './common.js';

/** OCSF schema version the output follows: Detection Finding, class 2004, category 2 (Findings). */
export const OCSF_VERSION = '1.3.0';
const CLASS_UID = 2004;
const ACTIVITY_CREATE = 1;

const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** OCSF user type_id: 1 User, 2 Admin, 99 Other. */
function userType(actor: Actor): { type_id: number; type: string } {
  if (actor.type === 'Root') return { type_id: 2, type: 'Admin' };
  if (actor.type === 'Unknown') return { type_id: 0, type: 'Unknown' };
  return { type_id: 1, type: 'User' };
}

function ocsfActor(actor: Actor | null, alert: Alert) {
  if (!actor) return undefined;
  return {
    user: {
      ...(actor.name ? { name: actor.name } : {}),
      ...(actor.principalArn ? { uid: actor.principalArn } : {}),
      ...(actor.email ? { email_addr: actor.email } : {}),
      ...userType(actor),
      ...(actor.account ? { account: { uid: actor.account, type_id: 10, type: 'AWS Account' } } : {}),
    },
    session: {
      uid: alert.sessionId,
      ...(actor.sessionStart ? { created_time: Date.parse(actor.sessionStart) } : {}),
      ...(actor.mfa === null ? {} : { is_mfa: actor.mfa }),
      ...(actor.principalArn ? { issuer: actor.principalArn } : {}),
    },
    app_name: 'AWS Systems Manager Session Manager',
  };
}

/** Observable type ids (OCSF dictionary): 1 Hostname, 2 IP Address, 4 User Name, 5 Email Address, 6 URL String,
 *  10 Resource UID, 13 Command Line. */
function observables(alert: Alert) {
  const out: { name: string; type_id: number; type: string; value: string }[] = [];
  const add = (name: string, type_id: number, type: string, value: string | null | undefined) => {
    if (value) out.push({ name, type_id, type, value });
  };
  add('resources[0].uid', 10, 'Resource UID', alert.instanceId);
  add('actor.user.name', 4, 'User Name', alert.actor?.name);
  add('actor.user.email_addr', 5, 'Email Address', alert.actor?.email);
  add('evidences[0].process.cmd_line', 13, 'Command Line', alert.command);
  const ip = alert.actor?.sourceIp;
  if (ip && isIP(ip)) add('evidences[0].src_endpoint.ip', 2, 'IP Address', ip);
  alert.evidence.forEach((e, i) => {
    if (e.kind === 'url') add(`evidences[${i + 1}].url.url_string`, 6, 'URL String', e.value);
    else if (e.kind === 'ip' && isIP(e.value)) add(`evidences[${i + 1}].dst_endpoint.ip`, 2, 'IP Address', e.value);
    else if (e.kind === 'host') add(`evidences[${i + 1}].dst_endpoint.hostname`, 1, 'Hostname', e.value);
  });
  return out;
}

function evidenceArtifact(e: Alert['evidence'][number]) {
  const data = { kind: e.kind, value: e.value, ...(e.detail ? { detail: e.detail } : {}) };
  if (e.kind === 'url') return { name: e.kind, url: { url_string: e.value }, data };
  if (e.kind === 'ip' && isIP(e.value)) return { name: e.kind, dst_endpoint: { ip: e.value }, data };
  if (e.kind === 'host') return { name: e.kind, dst_endpoint: { hostname: e.value }, data };
  return { name: e.kind, data };
}

/** Alert → OCSF Detection Finding (pure, apart from `now` when the alert has no time). */
export function toOcsf(alert: Alert, now: () => number = Date.now) {
  const time = alertTimeMs(alert, now);
  const actor = ocsfActor(alert.actor, alert);
  const ip = alert.actor?.sourceIp;
  const transcript = transcriptS3Uri(alert);
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Detection Finding',
    type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Detection Finding: Create',
    severity_id: SEVERITY_ID[alert.severity],
    severity: SEVERITY_LABEL[alert.severity],
    status_id: 1,
    status: 'New',
    is_alert: true,
    time,
    message: alert.title,
    metadata: {
      version: OCSF_VERSION,
      product: { name: PRODUCT.name, vendor_name: PRODUCT.vendor, version: PRODUCT.version },
      uid: alert.id,
      correlation_uid: alert.sessionId,
      event_code: alert.ruleId,
      profiles: ['cloud', 'host'],
      log_name: 'sessionwatch.alert',
    },
    finding_info: {
      uid: alert.id,
      title: alert.title,
      ...(alert.description ? { desc: alert.description } : {}),
      types: [alert.category],
      created_time: time,
      first_seen_time: time,
      last_seen_time: time,
      analytic: { uid: alert.ruleId, name: alert.title, type_id: 1, type: 'Rule', category: alert.category },
      attacks: alert.attack.map((id) => {
        const { technique, sub } = splitAttack(id);
        return { technique: { uid: technique }, ...(sub ? { sub_technique: { uid: sub } } : {}) };
      }),
      src_url: sessionConsoleUrl(alert),
      data_sources: [transcript ?? `ssm-session:${alert.source}`],
      ...(alert.count ? { related_events_count: alert.count } : {}),
    },
    cloud: {
      provider: 'AWS',
      ...(alert.region ? { region: alert.region } : {}),
      ...(alert.account ? { account: { uid: alert.account, type_id: 10, type: 'AWS Account' } } : {}),
    },
    device: {
      type_id: 6,
      type: 'Virtual',
      ...(alert.instanceId ? { uid: alert.instanceId, instance_uid: alert.instanceId } : {}),
      ...(alert.host ? { hostname: alert.host } : {}),
      ...(alert.region ? { region: alert.region } : {}),
    },
    ...(actor ? { actor } : {}),
    resources: alert.instanceId
      ? [
          {
            uid: alert.instanceId,
            name: alert.instanceId,
            type: 'AWS::EC2::Instance',
            cloud_partition: 'aws',
            ...(alert.region ? { region: alert.region } : {}),
            ...(alert.account ? { owner: { account: { uid: alert.account, type_id: 10, type: 'AWS Account' } } } : {}),
          },
        ]
      : [],
    evidences: [
      {
        name: 'command',
        process: {
          cmd_line: alert.command,
          ...(alert.user ? { user: { name: alert.user } } : {}),
          ...(alert.cwd ? { working_directory: alert.cwd } : {}),
        },
        ...(actor ? { actor } : {}),
        ...(ip && isIP(ip) ? { src_endpoint: { ip } } : {}),
      },
      ...alert.evidence.map(evidenceArtifact),
    ],
    observables: observables(alert),
    unmapped: {
      sessionwatch: {
        session_id: alert.sessionId,
        seq: alert.seq,
        source: alert.source,
        root: alert.root,
        actor_from: alert.actor?.from ?? null,
        ...(alert.actor?.reason ? { reason: alert.actor.reason } : {}),
        ...(alert.actor?.userAgent ? { user_agent: alert.actor.userAgent } : {}),
        ...(alert.redactions ? { redactions: alert.redactions, redaction_kinds: alert.redactionKinds } : {}),
        ...(alert.groupedIds ? { grouped_ids: alert.groupedIds } : {}),
        ...(alert.summary ? { summary: alert.summary } : {}),
        ...(transcript ? { transcript } : {}),
      },
    },
  };
}
