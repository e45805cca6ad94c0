import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Engine } from '../../detectors/index.js';
import { severityRank } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { buildAlert } from '../alerts/build.js';
import { cloudTrailClient, dynamoDbClient, s3Client } from '../aws/clients.js';
import type { SessionInfo } from '../commands/record.js';
import { DynamoDbIdentityStore } from '../identity/dynamodb-store.js';
import { CloudTrailSessionLookup } from '../identity/lookup.js';
import { IdentityResolver } from '../identity/resolver.js';
import { type IdentityStore, MemoryIdentityStore } from '../identity/store.js';
import { loadEngine } from '../pipeline/engine-config.js';
import { openDelivery } from '../sinks/open-delivery.js';
import type { ObjectReader } from '../sources/inputs.js';
import type { ReplayedCommand } from '../stream/session-replay.js';
import { DynamoDbSessionStateStore, MemorySessionStateStore, type SessionStateStore } from '../stream/state-store.js';
import type { LambdaConfig } from './config.js';
import { type Continuation, sendContinuation } from './objects.js';
import type { Observer } from './observe.js';

/** Everything a handler needs, built once per cold start and reused by warm invocations. */
export interface Runtime {
  config: LambdaConfig;
  observer: Observer;
  engine: Engine;
  identities: IdentityStore;
  resolver: IdentityResolver;
  states: SessionStateStore;
  objects: ObjectReader;
  deliver(alerts: readonly Alert[]): Promise<{ spooled: number }>;
  /** Hands the rest of a large object to a later invocation (the continuation queue). */
  continueLater(message: Continuation): Promise<void>;
  /** Alerts for replayed commands: actor resolved once per session, severity threshold applied. */
  alertsFor(commands: readonly ReplayedCommand[], transcript?: { bucket: string; key: string }): Promise<Alert[]>;
}

/** S3 behind a custom endpoint (an emulator, some VPC endpoints) needs path-style addressing. */
const customS3Endpoint = (env: NodeJS.ProcessEnv) => Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);

export async function createRuntime(
  config: LambdaConfig,
  observer: Observer,
  env: NodeJS.ProcessEnv,
): Promise<Runtime> {
  const s3 = s3Client({ forcePathStyle: customS3Endpoint(env) });
  const objects = s3Objects(s3);
  const { engine, problems } = await loadEngine({ iocs: config.iocSources, rules: config.ruleSources }, () => objects);
  for (const p of problems)
    observer.logger.warn('rule or IOC source not loaded', { source: p.source, line: p.line, reason: p.message });
  const dynamo = config.identityTable || config.stateTable ? dynamoDbClient() : null;
  const identities: IdentityStore = config.identityTable
    ? new DynamoDbIdentityStore(dynamo!, { tableName: config.identityTable })
    : new MemoryIdentityStore();
  const resolver = new IdentityResolver({
    store: identities,
    lookup: new CloudTrailSessionLookup(cloudTrailClient()),
    onError: (stage, error) =>
      observer.logger.warn('identity lookup failed', { stage, error: (error as Error).message }),
  });
  const states: SessionStateStore = config.stateTable
    ? new DynamoDbSessionStateStore(dynamo!, config.stateTable, config.stateTtlSeconds)
    : new MemorySessionStateStore();
  const delivery = openDelivery(config.sinks, {
    env,
    ...(config.spool ? { spool: config.spool } : { spool: '/tmp/sessionwatch-spool' }),
  });
  const minRank = severityRank(config.minSeverity);
  const actors = new Map<string, Promise<Awaited<ReturnType<IdentityResolver['resolve']>>>>();

  return {
    config,
    observer,
    engine,
    identities,
    resolver,
    states,
    objects,
    async deliver(alerts) {
      if (alerts.length === 0) return { spooled: 0 };
      const run = await delivery.deliver(alerts);
      let spooled = 0;
      for (const r of run.reports) {
        spooled += r.spooled;
        for (const e of r.errors) observer.logger.warn('delivery error', { sink: r.sink, error: e });
      }
      observer.count('AlertsDeadLettered', spooled);
      return { spooled };
    },
    continueLater: (message) => sendContinuation(config.continuationQueueUrl!, message),
    async alertsFor(commands, transcript) {
      const alerts: Alert[] = [];
      for (const c of commands) {
        const wanted = c.detections.filter((d) => severityRank(d.severity) >= minRank);
        if (wanted.length === 0) continue;
        const actor = await actorOf(c.session);
        for (const d of wanted)
          alerts.push(buildAlert(d, c.record, c.session, actor, transcript ? { transcript } : {}));
      }
      return alerts;
    },
  };

  function actorOf(session: SessionInfo) {
    let a = actors.get(session.sessionId);
    if (!a) {
      a = resolver.resolve(session).then((actor) => {
        if (actor.from === 'transcript') observer.count('EnrichmentMisses');
        return actor;
      });
      actors.set(session.sessionId, a);
      if (actors.size > 1000) actors.delete(actors.keys().next().value!);
    }
    return a;
  }
}

function s3Objects(s3: ReturnType<typeof s3Client>): ObjectReader {
  return {
    async *list() {
      // the Lambda reads the objects its events name; it never lists
    },
    async get(bucket, key, o = {}) {
      const out = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(o.offset ? { Range: `bytes=${o.offset}-` } : {}),
          ...(o.versionId ? { VersionId: o.versionId } : {}),
        }),
      );
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body as AsyncIterable<Uint8Array>;
    },
  };
}
