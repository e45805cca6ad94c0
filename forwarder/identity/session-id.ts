/**
 * Session ids are `<name>-<suffix>`: the caller's name (IAM user, role session name, Identity Center e-mail, which may
 * itself contain `-` and `@`) and a generated suffix whose length has changed over time. Split on the LAST `-`.
 */
export function splitSessionId(sessionId: string): { name: string | null; suffix: string } {
  const cut = sessionId.lastIndexOf('-');
  if (cut <= 0) return { name: null, suffix: sessionId };
  return { name: sessionId.slice(0, cut), suffix: sessionId.slice(cut + 1) };
}
