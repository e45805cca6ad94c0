import type { PrincipalType } from '../alerts/alert.js';

export interface Principal {
  arn: string | null;
  type: PrincipalType;
  name: string | null;
  email: string | null;
  account: string | null;
}

const ARN = /^arn:aws[a-z-]{0,20}:(?<service>iam|sts)::(?<account>\d{12}):(?<resource>[^\s]{1,2048})$/;
/** IAM Identity Center permission sets become roles named AWSReservedSSO_<permission set>_<hash>. */
const IDENTITY_CENTER_ROLE = /^AWSReservedSSO_/;
const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}\.[^\s@]{1,63}$/;

export const looksLikeEmail = (value: string | null | undefined): value is string => !!value && EMAIL.test(value);

/** Who an IAM or STS ARN names: IAM user, assumed role (Identity Center user when the role is AWSReservedSSO_*), … */
export function principalFromArn(arn: string | null | undefined): Principal {
  const unknown: Principal = { arn: arn ?? null, type: 'Unknown', name: null, email: null, account: null };
  const m = arn ? ARN.exec(arn) : null;
  if (!m?.groups) return unknown;
  const { account, resource } = m.groups as { account: string; resource: string };
  const base = { arn: arn!, account, email: null };
  if (resource === 'root') return { ...base, type: 'Root', name: 'root' };
  const parts = resource.split('/');
  const kind = parts[0];
  if (kind === 'user') return { ...base, type: 'IAMUser', name: parts.at(-1) ?? null };
  if (kind === 'federated-user') return { ...base, type: 'FederatedUser', name: parts.slice(1).join('/') || null };
  if (kind === 'assumed-role' && parts.length >= 3) {
    const role = parts[1]!;
    const sessionName = parts.slice(2).join('/');
    if (IDENTITY_CENTER_ROLE.test(role)) {
      return {
        ...base,
        type: 'IdentityCenterUser',
        name: sessionName,
        email: looksLikeEmail(sessionName) ? sessionName : null,
      };
    }
    return { ...base, type: 'AssumedRole', name: sessionName, email: looksLikeEmail(sessionName) ? sessionName : null };
  }
  return { ...unknown, account };
}
