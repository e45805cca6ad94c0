import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Category, Detection, Severity } from '../../../../detectors/model.js';
import type { Actor, Alert } from '../../../../forwarder/alerts/alert.js';
import { buildAlert } from '../../../../forwarder/alerts/build.js';
import type { CommandRecord, SessionInfo } from '../../../../forwarder/commands/record.js';
import { actorFromTranscript } from '../../../../forwarder/identity/resolver.js';
import { sessionsDir } from '../../../helpers/paths.js';

export interface Truth {
  sessionId: string;
  instanceId: string;
  account: string;
  region: string;
  principal: string;
  start: string;
  runAsUser: string;
  commands: { command: string; labels: string[] }[];
}

export const readTruth = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Truth;

export const truthFiles = () =>
  readdirSync(sessionsDir)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => join(sessionsDir, f));

const SEVERITY: Partial<Record<Category, Severity>> = {
  'privilege-escalation': 'high',
  'ioc-contact': 'critical',
  'crypto-mining': 'critical',
  'reverse-shell': 'critical',
  'credential-access': 'high',
  'lateral-movement': 'medium',
};

/** The session and its commands as the shell received them (truth.json), one record a command, 10 s apart. */
export function sessionFromTruth(truth: Truth): { session: SessionInfo; records: CommandRecord[] } {
  const start = Date.parse(truth.start);
  const records = truth.commands.map(
    (c, i): CommandRecord => ({
      sessionId: truth.sessionId,
      seq: i + 1,
      command: c.command,
      user: truth.runAsUser,
      host: 'ip-10-0-1-23',
      cwd: '/home/ssm-user',
      root: false,
      time: new Date(start + (i + 1) * 10_000).toISOString(),
      source: 's3',
      cancelled: false,
      incomplete: false,
      instanceId: truth.instanceId,
    }),
  );
  const session: SessionInfo = {
    sessionId: truth.sessionId,
    source: 's3',
    instanceId: truth.instanceId,
    principalArn: truth.principal,
    runAsUser: truth.runAsUser,
    region: truth.region,
    account: truth.account,
    start: truth.start,
    end: records.at(-1)?.time ?? null,
  };
  return { session, records };
}

/** A detection as a rule of that category would report it, with the command's first word as evidence. */
export function detectionFor(category: Category, command: string): Detection {
  return {
    ruleId: `test.${category}`,
    title: `Test rule: ${category}`,
    description: `Fires on commands labelled ${category} in the fixtures.`,
    severity: SEVERITY[category] ?? 'medium',
    category,
    attack: category === 'privilege-escalation' ? ['T1548.003'] : ['T1059.004'],
    evidence: [{ kind: 'argv', value: command.split(' ')[0] ?? command, detail: 'first word' }],
  };
}

/** One alert for every labelled command of a truth file. */
export function labelledAlerts(
  truth: Truth,
  actor: Actor | null = null,
  options: { transcript?: { bucket: string; key: string } } = {},
): Alert[] {
  const { session, records } = sessionFromTruth(truth);
  return truth.commands.flatMap((c, i) =>
    c.labels.map((label) =>
      buildAlert(detectionFor(label as Category, c.command), records[i]!, session, actor, options),
    ),
  );
}

/** Every labelled command of every fixture session, with the actor the transcript tells. */
export function fixtureAlerts(): Alert[] {
  return truthFiles().flatMap((f) => {
    const truth = readTruth(f);
    return labelledAlerts(truth, actorFromTranscript(sessionFromTruth(truth).session));
  });
}
