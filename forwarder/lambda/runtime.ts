import type { Engine } from '../../detectors/index.js';
import { severityRank } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import { buildAlert } from '../alerts/build.js';
import { cloudTrailClient, dynamoDbClient, s3Client } from '../aws/clients.js';
import type { SessionInfo } from '../commands/record.js';
import { DynamoDbIdentityStore } from '../identity/dynamodb-store.js';
import { CloudTrailSessionLookup } from '../identity/lookup.js';
import { IdentityResolver } from '../identity/resolver.js';
import { type IdentityStore, MemoryIdentityStore } from '../identity/store.js';
import { loadEngine } from '../pipeline/engine-config.js';
import {
  DynamoDbRaisedStore,
  DynamoDbSessionIndex,
  DynamoDbTranscriptIndex,
  MemoryRaisedStore,
  MemorySessionIndex,
  MemoryTranscriptIndex,
  noteObservations,
  type RaisedStore,
  type SessionIndex,
  type TranscriptIndex,
  type TranscriptObservation,
} from '../session-coverage/index.js';
import { openDelivery } from '../sinks/open-delivery.js';
import type { ObjectReader } from '../sources/inputs.js';
import { s3Objects } from '../sources/s3-reader.js';
import type { ReplayedCommand } from '../stream/session-replay.js';
import { DynamoDbSessionStateStore, MemorySessionStateStore, type SessionStateStore } from '../stream/state-store.js';
import type { LambdaConfig } from './config.js';
import { type Continuation, sendContinuation, sendMessage } from './objects.js';
import type { Observer } from './observe.js';

/** The coverage stores: sessions to check, what was seen of their transcripts, and the gaps already raised. */
export interface CoverageStores {
  sessions: SessionIndex;
  transcripts: TranscriptIndex;
  raised: RaisedStore;
}

export interface DeliveryOutcome {
  /** The alerts no sink had yet: raised for the first time (the others came by the other path, or a retry). */
  fresh: Alert[];
  /** Alerts a sink refused, now in the spool for redrive. */
  spooled: number;
}

/** Everything a handler needs, built once per cold start and reused by warm invocations. */
export interface Runtime {
  config: LambdaConfig;
  observer: Observer;
  /** The detection engine, loaded on first use: the identity and coverage functions never read rules. */
  engine(): Promise<Engine>;
  identities: IdentityStore;
  resolver: IdentityResolver;
  states: SessionStateStore;
  coverage: CoverageStores;
  objects: ObjectReader;
  /** Delivers what the sinks' ledgers (the idempotency records) do not hold yet; metrics count only that. */
  deliver(alerts: readonly Alert[]): Promise<DeliveryOutcome>;
  /** Hands the rest of a large object to a later invocation (the continuation queue). */
  continueLater(message: Continuation): Promise<void>;
  /** Sends a message body to the continuation queue as a new message (its receive count starts again at zero). */
  requeue(body: string): Promise<void>;
  /** Alerts for replayed commands: actor resolved once per session, severity threshold applied. */
  alertsFor(commands: readonly ReplayedCommand[], transcript?: { bucket: string; key: string }): Promise<Alert[]>;
  /** Tells coverage that a session's transcript was seen (a few conditional writes per session). */
  noteTranscripts(items: readonly { sessionId: string; observation: TranscriptObservation }[]): Promise<void>;
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
  let engine: Promise<Engine> | null = null;
  const loadRules = async () => {
    const sources = {
      iocs: await expandFolders(config.iocSources, objects),
      rules: await expandFolders(config.ruleSources, objects),
    };
    const loaded = await loadEngine(sources, () => objects);
    for (const p of loaded.problems)
      observer.logger.warn('rule or IOC source not loaded', { source: p.source, line: p.line, reason: p.message });
    return loaded.engine;
  };

  const ledgerTable = config.idempotencyTable ?? config.stateTable;
  const dynamo = config.identityTable || ledgerTable ? dynamoDbClient() : null;
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
  const coverage: CoverageStores = {
    sessions: config.stateTable
      ? new DynamoDbSessionIndex(dynamo!, { tableName: config.stateTable })
      : new MemorySessionIndex(),
    transcripts: config.stateTable
      ? new DynamoDbTranscriptIndex(dynamo!, { tableName: config.stateTable })
      : new MemoryTranscriptIndex(),
    raised: ledgerTable ? new DynamoDbRaisedStore(dynamo!, { tableName: ledgerTable }) : new MemoryRaisedStore(),
  };
  const delivery = openDelivery(config.sinks, {
    // openDelivery keeps its delivered-ids ledger in SESSIONWATCH_STATE_TABLE: point it at the idempotency table
    env: ledgerTable ? { ...env, SESSIONWATCH_STATE_TABLE: ledgerTable } : env,
    spool: config.spool ?? '/tmp/sessionwatch-spool',
  });
  const minRank = severityRank(config.minSeverity);

  /** The ids every sink's ledger already holds (none when there is no sink). */
  async function deliveredEverywhere(ids: string[]): Promise<Set<string>> {
    if (delivery.sinks.length === 0) return new Set();
    let everywhere = new Set(ids);
    for (const sink of delivery.sinks) {
      const done = await delivery.ledger.delivered(sink.uri, [...everywhere]);
      everywhere = new Set([...everywhere].filter((id) => done.has(id)));
      if (everywhere.size === 0) break;
    }
    return everywhere;
  }

  return {
    config,
    observer,
    engine: () => {
      engine ??= loadRules().catch((e) => {
        engine = null; // an unreachable rule source is tried again by the next invocation
        throw e;
      });
      return engine;
    },
    identities,
    resolver,
    states,
    coverage,
    objects,
    async deliver(alerts) {
      if (alerts.length === 0) return { fresh: [], spooled: 0 };
      const known = await deliveredEverywhere(alerts.map((a) => a.id));
      const fresh = alerts.filter((a) => !known.has(a.id));
      observer.count('AlreadyRaised', alerts.length - fresh.length);
      if (fresh.length === 0) return { fresh, spooled: 0 };
      const run = await delivery.deliver(fresh);
      let spooled = 0;
      for (const r of run.reports) {
        spooled += r.spooled;
        for (const e of r.errors) observer.logger.warn('delivery error', { sink: r.sink, error: e });
      }
      observer.count('AlertsDeadLettered', spooled);
      const now = Date.now();
      for (const a of fresh) {
        observer.alerts(a.severity, 1);
        const seen = a.time ? Date.parse(a.time) : Number.NaN;
        if (Number.isFinite(seen)) observer.latency(now - seen);
      }
      return { fresh, spooled };
    },
    continueLater: (message) => sendContinuation(config.continuationQueueUrl!, message),
    requeue: (body) => sendMessage(config.continuationQueueUrl!, body),
    async alertsFor(commands, transcript) {
      const alerts: Alert[] = [];
      const actors = new Map<string, Promise<Actor>>();
      for (const c of commands) {
        const wanted = c.detections.filter((d) => severityRank(d.severity) >= minRank);
        if (wanted.length === 0) continue;
        let actor = actors.get(c.session.sessionId);
        if (!actor) {
          actor = actorOf(c.session);
          actors.set(c.session.sessionId, actor);
        }
        for (const d of wanted)
          alerts.push(buildAlert(d, c.record, c.session, await actor, transcript ? { transcript } : {}));
      }
      return alerts;
    },
    async noteTranscripts(items) {
      await noteObservations(coverage.transcripts, items);
    },
  };

  /** The resolver caches table and CloudTrail answers only, so a session's later alerts pick up a late StartSession. */
  async function actorOf(session: SessionInfo): Promise<Actor> {
    const actor = await resolver.resolve(session);
    if (actor.from === 'transcript') observer.count('EnrichmentMisses');
    return actor;
  }
}

/** `s3://bucket/folder/` sources stand for every object under the folder (the CDK grants ListBucket on it). */
async function expandFolders(locations: readonly string[], objects: ObjectReader): Promise<string[]> {
  const out: string[] = [];
  for (const location of locations) {
    const folder = /^s3:\/\/([^/]+)\/(.*\/)?$/.exec(location);
    if (!folder) {
      out.push(location);
      continue;
    }
    const [, bucket, prefix = ''] = folder;
    for await (const key of objects.list(bucket!, prefix)) out.push(`s3://${bucket}/${key}`);
  }
  return out;
}
