import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { s3Client, secretsManagerClient, snsClient } from '../aws/clients.js';
import { HecSink } from './hec.js';
import { type ReliabilityOptions, ReliableSink } from './reliable.js';
import { S3ArchiveSink } from './s3-archive.js';
import { type SecretProvider, secretsManagerSecret, staticSecret } from './secrets.js';
import { SnsSink } from './sns.js';
import { FileSink, StdoutSink } from './stream.js';
import { SyslogSink } from './syslog.js';
import { DEFAULT_BURST, type Sink } from './types.js';
import { parseSinkUri, type SinkSpec, SinkUriError } from './uri.js';
import { WebhookSink } from './webhook.js';

export interface SinkDeps {
  env?: NodeJS.ProcessEnv;
  /** Where `stdout` writes (process.stdout by default). */
  stdout?: (text: string) => unknown;
  /** AWS clients; made on first use with timeouts when not given. */
  sns?: (region: string) => Pick<SNSClient, 'send'>;
  s3?: () => Pick<S3Client, 'send'>;
  secretsManager?: () => Pick<SecretsManagerClient, 'send'>;
  /** Per network call. */
  timeoutMs?: number;
  reliability?: ReliabilityOptions;
}

function fileOption(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SinkUriError(`${what} ${path}: ${(error as Error).message}`);
  }
}

/** A secret from `NAME` (the value) or `NAME_SECRET_ARN` (Secrets Manager), or null when neither is set. */
function secretFromEnv(name: string, env: NodeJS.ProcessEnv, deps: SinkDeps): SecretProvider | null {
  const arn = env[`${name}_SECRET_ARN`];
  if (arn) return secretsManagerSecret(deps.secretsManager?.() ?? secretsManagerClient({ timeoutMs: 5_000 }), arn);
  const value = env[name];
  return value ? staticSecret(value) : null;
}

function burstOption(spec: SinkSpec): ReliabilityOptions['burst'] {
  const raw = spec.options.burst;
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new SinkUriError(`burst=${raw}: expected seconds (0 turns grouping off)`);
  return seconds === 0 ? null : { ...DEFAULT_BURST, windowSeconds: seconds };
}

function makeSink(uri: string, spec: SinkSpec, deps: SinkDeps): Sink {
  const env = deps.env ?? process.env;
  const timeoutMs = deps.timeoutMs ?? Number(env.SESSIONWATCH_SINK_TIMEOUT_MS ?? 10_000);
  switch (spec.kind) {
    case 'stdout':
      return new StdoutSink(uri, spec.format, deps.stdout ?? ((t) => process.stdout.write(t)));
    case 'file':
      return new FileSink(uri, spec.path, spec.format);
    case 'sns':
      return new SnsSink(
        uri,
        spec.topicArn,
        deps.sns?.(spec.region) ?? snsClient({ region: spec.region, timeoutMs, maxAttempts: 1 }),
        timeoutMs,
      );
    case 'hec': {
      const token = secretFromEnv('SESSIONWATCH_HEC_TOKEN', env, deps);
      if (!token) throw new SinkUriError(`${uri}: set SESSIONWATCH_HEC_TOKEN or SESSIONWATCH_HEC_TOKEN_SECRET_ARN`);
      const ca = fileOption(spec.options.ca ?? env.SESSIONWATCH_HEC_CA, 'HEC CA file');
      return new HecSink(uri, spec.url, token, {
        timeoutMs,
        ...(spec.options.index ? { index: spec.options.index } : {}),
        ...(ca ? { ca } : {}),
      });
    }
    case 'webhook': {
      const tls = {
        ca: fileOption(spec.options.ca ?? env.SESSIONWATCH_WEBHOOK_CA, 'webhook CA file'),
        cert: fileOption(env.SESSIONWATCH_WEBHOOK_CERT, 'webhook client certificate'),
        key: fileOption(env.SESSIONWATCH_WEBHOOK_KEY, 'webhook client key'),
      };
      if (spec.format === 'cef') throw new SinkUriError(`${uri}: webhook bodies are JSON (jsonl, ocsf, ecs, hec)`);
      return new WebhookSink(uri, spec.url, {
        format: spec.format,
        secret: secretFromEnv('SESSIONWATCH_WEBHOOK_SECRET', env, deps),
        tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v)),
        timeoutMs,
      });
    }
    case 'syslog': {
      const ca = fileOption(spec.options.ca ?? env.SESSIONWATCH_SYSLOG_CA, 'syslog CA file');
      const cert = fileOption(env.SESSIONWATCH_SYSLOG_CERT, 'syslog client certificate');
      const key = fileOption(env.SESSIONWATCH_SYSLOG_KEY, 'syslog client key');
      return new SyslogSink(uri, spec.host, spec.port, {
        tls: spec.tls,
        timeoutMs,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        ...(spec.options.servername ? { servername: spec.options.servername } : {}),
        ...(spec.options.maxBytes ? { maxBytes: Number(spec.options.maxBytes) } : {}),
      });
    }
    case 's3':
      return new S3ArchiveSink(
        uri,
        spec.bucket,
        spec.prefix,
        deps.s3?.() ?? s3Client({ timeoutMs: timeoutMs * 2, maxAttempts: 1 }),
        spec.format,
        timeoutMs * 2,
      );
  }
}

/**
 * Sinks from URIs, each wrapped with retries, backoff and a circuit breaker. Throws SinkUriError (a usage error)
 * for a bad URI or missing configuration, before anything is sent.
 */
export function createSinks(uris: readonly string[], deps: SinkDeps = {}): Sink[] {
  const seen = new Set<string>();
  return uris.map((uri) => {
    if (seen.has(uri)) throw new SinkUriError(`${uri}: given twice`);
    seen.add(uri);
    const spec = parseSinkUri(uri);
    const burst = burstOption(spec);
    return new ReliableSink(makeSink(uri, spec, deps), {
      ...deps.reliability,
      ...(burst === undefined ? {} : { burst }),
    });
  });
}
