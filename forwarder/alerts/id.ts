import { createHash } from 'node:crypto';

/**
 * The alert id: the first 32 hex digits (128 bits) of
 *   sha256(sessionId + "\n" + ruleId + "\n" + command with whitespace runs collapsed to one space and trimmed)
 * computed on the redacted command, so no secret can be recovered by hashing guesses against an id.
 * The stream path and the S3 path see the same command, hence the same id: duplicates collapse downstream.
 */
export function alertId(sessionId: string, ruleId: string, command: string): string {
  const normalised = command.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${sessionId}\n${ruleId}\n${normalised}`).digest('hex').slice(0, 32);
}
