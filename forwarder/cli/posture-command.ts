import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity, severityRank } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { formatLine, isLineFormat } from '../alerts/formats/index.js';
import { type PostureReport, postureClients, runPosture } from '../posture/run.js';
import { deliverAndReport, openSinks } from './delivery.js';
import { type CliIo, EXIT, UsageError, write } from './io.js';
import { printable, renderTable } from './table.js';

export const POSTURE_HELP = `Usage: sessionwatch posture [options]

Checks an account and region against the Session Manager baseline and reports what is off as alerts:
  - preferences (SSM-SessionManagerRunShell): S3 and CloudWatch logging on, streaming on, KMS session encryption on,
    idle timeout and maximum session duration set, Run As on; the Linux shell profile run through the detection rules
  - security groups letting SSH (22) or RDP (3389) in from 0.0.0.0/0, ::/0 or a /8 such as 10.0.0.0/8
  - running instances whose instance profile does not allow Session Manager (AmazonSSMManagedInstanceCore, or
    ssm:UpdateInstanceInformation and the ssmmessages channel actions), unless a Default Host Management role is set

Read-only: ssm:GetDocument, ssm:GetServiceSetting, ec2:DescribeSecurityGroups, ec2:DescribeInstances,
iam:GetInstanceProfile, iam:ListAttachedRolePolicies, iam:ListRolePolicies, iam:GetRolePolicy, iam:GetPolicy,
iam:GetPolicyVersion.

Options:
  --region REGION        the region to check (default: AWS_REGION or the profile's region)
  --profile NAME         a named profile of ~/.aws/config
  --endpoint-url URL     one endpoint for SSM, EC2 and IAM (a VPC endpoint, a local stand-in)
  --format FORMAT        table, jsonl, ocsf, ecs, hec or cef (default: table on a terminal, else jsonl)
  --sink URI             deliver the findings (stdout, file:PATH, sns:ARN, hec:URL, webhook:URL, syslog+tls://H:P,
                         s3:B/P); repeatable. Each finding has a stable id: a sink gets it once until it changes
  --spool DIR            where undelivered findings wait for "sessionwatch redrive"
  --fail-on LEVEL        exit 3 when a finding at or above LEVEL is found
  -h, --help             this help

Exit status: 0 done, 1 some check could not read what it needs (listed on stderr), 2 bad usage, 3 --fail-on.

Examples:
  sessionwatch posture --region eu-west-1
  sessionwatch posture --profile audit --region us-east-1 --format ocsf --sink s3:security-findings/sessionwatch
  sessionwatch posture --region eu-west-1 --fail-on high      # in a CI job after a Terraform apply
`;

export async function postureCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      profile: { type: 'string' },
      'endpoint-url': { type: 'string' },
      format: { type: 'string' },
      sink: { type: 'string', multiple: true, default: [] },
      spool: { type: 'string' },
      'fail-on': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, POSTURE_HELP);
    return EXIT.ok;
  }
  if (positionals.length)
    throw new UsageError(`unexpected argument ${positionals[0]} (see sessionwatch posture --help)`);
  const failOn = values['fail-on'] ? severityOption(values['fail-on']) : null;
  const format = values.format ?? (values.sink.length > 0 ? null : io.stdout.isTTY ? 'table' : 'jsonl');
  if (format !== null && format !== 'table' && !isLineFormat(format)) {
    throw new UsageError(`unknown --format ${format} (table, jsonl, ocsf, ecs, hec or cef)`);
  }
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const clients = postureClients({
    ...(region ? { region } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}),
  });
  let report: PostureReport;
  try {
    const resolvedRegion = await clients.ec2.config.region().catch(() => {
      throw new UsageError('no region: give --region, or set AWS_REGION or a region in the profile');
    });
    report = await runPosture(clients, { region: resolvedRegion });
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }

  if (format === 'table') await write(io.stdout, postureTable(report.alerts, io.stdout.columns));
  else if (format) for (const alert of report.alerts) await write(io.stdout, `${formatLine(alert, format)}\n`);
  let undelivered = 0;
  if (values.sink.length)
    undelivered = await deliverAndReport(openSinks(values.sink, values.spool, io), report.alerts, io, 'posture');
  for (const e of report.errors) io.stderr.write(`sessionwatch posture: could not check: ${e}\n`);
  io.stderr.write(`sessionwatch posture: ${summary(report)}\n`);

  if (failOn && report.alerts.some((a) => severityRank(a.severity) >= severityRank(failOn))) return EXIT.alerts;
  return report.errors.length > 0 || undelivered > 0 ? EXIT.failure : EXIT.ok;
}

function severityOption(value: string): Severity {
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
}

function summary(report: PostureReport): string {
  const by = new Map<Severity, number>();
  for (const a of report.alerts) by.set(a.severity, (by.get(a.severity) ?? 0) + 1);
  const counts = [...SEVERITIES].reverse().flatMap((s) => (by.get(s) ? [`${by.get(s)} ${s}`] : []));
  const where = `account ${report.account ?? 'unknown'}, ${report.region ?? 'no region'}`;
  return `${where}: ${report.alerts.length} findings${counts.length ? ` (${counts.join(', ')})` : ''}${report.errors.length ? `; ${report.errors.length} checks incomplete` : ''}`;
}

function postureTable(alerts: readonly Alert[], width = 160): string {
  return renderTable(
    ['SEVERITY', 'RULE', 'RESOURCE', 'FINDING'],
    alerts.map((a) => [
      a.severity.toUpperCase(),
      a.ruleId.replace('sessionwatch-posture-', ''),
      a.evidence[0]?.value ?? '',
      printable(`${a.title}${a.evidence[1] ? ` — ${a.evidence[1].value}` : ''}`),
    ]),
    width,
  );
}
