import { hash } from 'node:crypto';

/**
 * The alert id: the first 32 hex digits (128 bits) of
 *   sha256(sessionId + "\n" + ruleId + "\n" + command without its whitespace)
 * computed on the redacted command, so no secret can be recovered by hashing guesses against an id.
 * The stream path and the S3 path see the same command, hence the same id: duplicates collapse downstream.
 * Whitespace is left out because the streaming format keeps the space readline prints where a long line wraps
 * (its `\r` is deleted): `…x64. tar.gz` streamed is `…x64.tar.gz` in the S3 transcript, and must be one alert.
 */
export function alertId(sessionId: string, ruleId: string, command: string): string {
  const normalised = command.replace(/\s+/g, '');
  return hash('sha256', `${sessionId}\n${ruleId}\n${normalised}`, 'hex').slice(0, 32);
}
