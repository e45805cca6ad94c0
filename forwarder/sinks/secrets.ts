import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdk } from '../aws/clients.js';

/** Returns a secret when needed; implementations cache it. Secrets are never logged or put in error messages. */
export type SecretProvider = () => Promise<string>;

export const staticSecret =
  (value: string): SecretProvider =>
  async () =>
    value;

/**
 * A secret from Secrets Manager: the SecretString itself, or the first of `keys` when it is a JSON object
 * (`{"token":"..."}`). Fetched once, then cached for `ttlMs` (so a rotated secret is picked up).
 */
export function secretsManagerSecret(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
  keys: string[] = ['token', 'hecToken', 'secret', 'value'],
  ttlMs = 15 * 60_000,
  now: () => number = Date.now,
): SecretProvider {
  let cached: { value: string; at: number } | null = null;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.value;
    const { GetSecretValueCommand } = await sdk.secretsManager();
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(5_000),
    });
    const raw = out.SecretString;
    if (!raw) throw new Error(`secret ${secretId} has no SecretString`);
    let value = raw.trim();
    if (value.startsWith('{')) {
      const parsed = JSON.parse(value) as Record<string, unknown>;
      const key = keys.find((k) => typeof parsed[k] === 'string');
      if (!key) throw new Error(`secret ${secretId} is JSON without any of the keys ${keys.join(', ')}`);
      value = parsed[key] as string;
    }
    cached = { value, at: now() };
    return value;
  };
}
