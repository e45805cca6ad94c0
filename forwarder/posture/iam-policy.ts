import { globMatch } from '../alerts/noise/glob.js';

/** What the agent needs for Session Manager: register and heartbeat, and open the control and data channels. */
export const SESSION_MANAGER_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const;

/** AWS managed policies known to grant all of SESSION_MANAGER_ACTIONS (their documents need not be read). */
export const SESSION_MANAGER_POLICIES = new Set([
  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
  'arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy',
  'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM',
]);

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const covers = (patterns: string[], action: string) =>
  patterns.some((p) => globMatch(p.toLowerCase(), action.toLowerCase()));

/** A policy document as IAM returns it: URL-encoded JSON (GetRolePolicy, GetPolicyVersion), or plain JSON. */
export function parsePolicyDocument(document: string): Statement[] {
  let text = document.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new Error('policy document is neither JSON nor URL-encoded JSON');
    }
  }
  const parsed = JSON.parse(text) as { Statement?: Statement | Statement[] };
  const statements =
    parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return statements.filter((s) => s && typeof s === 'object');
}

/**
 * Which of SESSION_MANAGER_ACTIONS the statements of a role's policies leave missing: allowed by an Allow
 * (`Action` with `*` wildcards, or `NotAction` not naming it) and denied by no Deny. Resources and conditions are
 * not evaluated (the agent's calls use `*` and the instance), nor are permission boundaries and SCPs.
 */
export function missingSessionManagerActions(statements: readonly Statement[]): string[] {
  const effect = (s: Statement) => String(s.Effect ?? '').toLowerCase();
  const matches = (s: Statement, action: string) =>
    s.Action !== undefined
      ? covers(list(s.Action), action)
      : s.NotAction !== undefined && !covers(list(s.NotAction), action);
  return SESSION_MANAGER_ACTIONS.filter((action) => {
    const allowed = statements.some((s) => effect(s) === 'allow' && matches(s, action));
    const denied = statements.some((s) => effect(s) === 'deny' && matches(s, action));
    return !allowed || denied;
  });
}
