/**
 * Session Manager session ids are `<name>-<suffix>`: the name is the caller (IAM user, role session name or an
 * Identity Center e-mail) and may hold `-` and `@`; the suffix is 17 hex digits (older) or 26 [a-z0-9] (current).
 * Split on the last `-`, never on a fixed suffix length.
 */
export function splitSessionId(sessionId: string): { name: string; suffix: string } | null {
  const cut = sessionId.lastIndexOf('-');
  if (cut <= 0 || cut === sessionId.length - 1) return null;
  return { name: sessionId.slice(0, cut), suffix: sessionId.slice(cut + 1) };
}

const SESSION_ID = /^[\w.@+=,-]{1,96}-[a-z0-9]{8,64}$/;

export function looksLikeSessionId(s: string): boolean {
  return SESSION_ID.test(s);
}

/** A session id from a file name or S3 key (`.../<sessionId>.log`, `<sessionId>.cw-final.jsonl`, ...). */
export function sessionIdFromName(name: string): string | null {
  const base = name.split('/').pop() ?? name;
  const stem = base.replace(/\.(?:gz|log|json|jsonl|txt|cw-final|cw-stream|subscription)(?=\.|$)/g, '');
  return looksLikeSessionId(stem) ? stem : null;
}
