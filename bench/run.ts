/**
 * `npm run bench`: throughput, memory, cold start and cost of sessionwatch, each against its target.
 * Prints tables and writes bench/results.json. See docs/benchmarks.md.
 *
 *   npm run bench                   about 4 minutes: 16 MB corpus, 3 runs each, peak RSS on 256 MB
 *   npm run bench -- --quick        about a minute: smaller corpus, one run each, peak RSS on 64 MB
 *   npm run bench -- --full         adds the peak-RSS run on a 2 GB transcript (also SESSIONWATCH_BENCH_FULL=1)
 *   npm run bench -- --profile      prints where the S3 pipeline spends its time, by function
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeAndCountLines, gunzipAndParse } from './baselines.js';
import { buildCorpus, type Corpus, longStreamCorpus } from './corpus.js';
import { PRICES, pathCost, tableCost } from './cost.js';
import { benchDetectors } from './detectors.js';
import { mbPerSecond, round, timed } from './measure.js';
import {
  type Format,
  type LambdaRig,
  lambdaRuntime,
  type RunCount,
  runLambdaObjects,
  runLambdaSubscriptions,
  runScanCli,
  runUpTo,
  STAGES,
  stageRig,
  type TableUnits,
  writeCorpusFiles,
} from './pipeline.js';
import { bigTranscript, checkBundle, coldStart, peakRss, ROOT, type RssResult } from './process.js';
import { byStage, profiled, selfTimes } from './profile.js';
import { type Cell, percent, table } from './table.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: process.env.SESSIONWATCH_BENCH_FULL === '1' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results.json') },
  },
});
const settings = flags.quick
  ? { mixedMB: 4, editingMB: 1, runs: 1, rssMB: 64, coldRuns: 3 }
  : { mixedMB: 16, editingMB: 2, runs: 3, rssMB: 256, coldRuns: 10 };
const rssMB = flags.full ? 2048 : settings.rssMB;

const TARGETS = {
  streamVsGunzipJson: 0.25,
  s3VsUtf8Scan: 0.25,
  iocLookup1e6Vs1e3: 2,
  rules1000Vs10: 10,
  peakRssMB: 256,
  bundleMB: 2,
  coldStartMs: 300,
};

const print = (text: string) => process.stdout.write(`${text}\n`);
const started = performance.now();
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  settings: { ...settings, rssMB },
  targets: TARGETS,
};

print(`sessionwatch bench — node ${process.version}, ${results.platform}, ${results.cpu}; one core per measurement`);
print(
  `CPU time of the process (user + system), fastest of ${settings.runs} run${settings.runs > 1 ? 's' : ''} each` +
    `${flags.quick ? ' (--quick)' : ''}: other processes on the machine stretch wall time, not this`,
);

// ---- input
const LONG_SESSIONS = 8;
const mixed = buildCorpus('mixed', settings.mixedMB);
const editing = buildCorpus('editing', settings.editingMB);
// a few sessions a working day long: the Lambda's reordering buffer fills and folds again and again
const longStream = longStreamCorpus(LONG_SESSIONS, settings.mixedMB);
const work = mkdtempSync(join(tmpdir(), 'sessionwatch-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const mixedFiles = writeCorpusFiles(mixed, join(work, 'mixed'));
const editingFiles = writeCorpusFiles(editing, join(work, 'editing'));
const describe = (c: Corpus) =>
  `${c.sessions.length} sessions: ${mb(c.bytes.log)} MB of S3 .log, ${mb(c.bytes.cwFinal)} MB of CloudWatch ` +
  `end-of-session JSON lines, ${c.sessions.reduce((n, s) => n + s.subscription.length, 0)} subscription deliveries ` +
  `(${mb(c.bytes.payload)} MB of payload JSON, ${mb(c.bytes.subscriptionWire)} MB base64 gzip)`;
print(`mixed corpus (every fixture session in turn, the fixtures' own byte mix): ${describe(mixed)}`);
print(`editing corpus (interactive sessions only: prompts, typos, history, Ctrl-C): ${describe(editing)}`);
print(
  `long-stream corpus (${LONG_SESSIONS} streaming sessions, every fixture's events one after another): ` +
    `${longStream.sessions.reduce((n, s) => n + s.subscription.length, 0)} deliveries, ${mb(longStream.bytes.payload)} MB of payload JSON`,
);
results.corpus = { mixed: corpusFacts(mixed), editing: corpusFacts(editing), longStream: corpusFacts(longStream) };

function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

function corpusFacts(c: Corpus) {
  return {
    sessions: c.sessions.length,
    bytes: c.bytes,
    deliveries: c.sessions.reduce((n, s) => n + s.subscription.length, 0),
  };
}

// ---- baselines and end to end
const bytesOf = (c: Corpus, format: Format) =>
  format === 'log' ? c.bytes.log : format === 'cwFinal' ? c.bytes.cwFinal : c.bytes.payload;

/**
 * The baselines are measured before and after the end-to-end rows and the fastest run counts, as for every other
 * figure: on this shared machine one measurement of the UTF-8 scan has come out anywhere between 320 and 700 MB/s.
 */
const baseline = { gunzipJsonMBps: 0, utf8ScanMBps: 0 };
async function measureBaselines(): Promise<void> {
  const gunzipJson = await timed(() => gunzipAndParse(mixed), settings.runs);
  const utf8Scan = await timed(() => decodeAndCountLines(mixed), settings.runs);
  baseline.gunzipJsonMBps = Math.max(baseline.gunzipJsonMBps, mbPerSecond(mixed.bytes.payload, gunzipJson.ms));
  baseline.utf8ScanMBps = Math.max(baseline.utf8ScanMBps, mbPerSecond(mixed.bytes.log, utf8Scan.ms));
}
await measureBaselines();

interface EndToEnd {
  name: string;
  corpus: string;
  format: Format;
  ms: number;
  mbPerSecond: number;
  commandsPerSecond: number;
  commands: number;
  alerts: number;
  vsBaseline: number;
  baseline: 'gunzip+JSON.parse' | 'UTF-8 scan';
  stateTable?: TableUnits;
}

const endToEnd: EndToEnd[] = [];
async function e2e<S>(
  name: string,
  corpus: Corpus,
  format: Format,
  fn: (prepared: S) => Promise<RunCount>,
  setup?: () => Promise<S>,
): Promise<EndToEnd> {
  await fn((await setup?.()) as S); // warm-up, untimed: the JIT compiles the hot paths (a warm Lambda or a long scan)
  const t = await timed(fn, settings.runs, setup);
  const rate = mbPerSecond(bytesOf(corpus, format), t.ms);
  const vsStream = format === 'subscription';
  const row: EndToEnd = {
    name,
    corpus: corpus.name,
    format,
    ms: round(t.ms),
    mbPerSecond: round(rate, 2),
    commandsPerSecond: Math.round(t.value.commands / (t.ms / 1000)),
    commands: t.value.commands,
    alerts: t.value.alerts,
    vsBaseline: 0, // once the baselines are measured again, below
    baseline: vsStream ? 'gunzip+JSON.parse' : 'UTF-8 scan',
    ...(t.value.stateTable ? { stateTable: { ...t.value.stateTable } } : {}),
  };
  endToEnd.push(row);
  return row;
}

const s3Cli = await e2e('S3 .log, CLI scan', mixed, 'log', () =>
  runScanCli(mixedFiles.dirs.log, mixedFiles.cloudtrail),
);
const s3Lambda = await e2e(
  'S3 .log, Lambda object handler',
  mixed,
  'log',
  (rig) => runLambdaObjects(mixed, rig),
  () => lambdaRuntime(mixed),
);
await e2e('CloudWatch end-of-session, CLI scan', mixed, 'cwFinal', () =>
  runScanCli(mixedFiles.dirs.cwFinal, mixedFiles.cloudtrail),
);
/** Every subscription delivery of the corpus through the deployed handler, a fresh runtime (and state) each run. */
const streamLambdaRow = (name: string, corpus: Corpus) =>
  e2e(
    name,
    corpus,
    'subscription',
    (rig: LambdaRig) => runLambdaSubscriptions(corpus, rig),
    () => lambdaRuntime(corpus),
  );
const streamLambda = await streamLambdaRow('Streaming subscription, Lambda handler', mixed);
const streamCli = await e2e('Streaming subscription, CLI scan', mixed, 'subscription', () =>
  runScanCli(mixedFiles.dirs.subscription, mixedFiles.cloudtrail),
);
await e2e('S3 .log, CLI scan', editing, 'log', () => runScanCli(editingFiles.dirs.log, editingFiles.cloudtrail));
await streamLambdaRow('Streaming subscription, Lambda handler', editing);
const longStreamLambda = await streamLambdaRow('Streaming subscription, Lambda handler, long sessions', longStream);

await measureBaselines();
for (const row of endToEnd) {
  const base = row.baseline === 'UTF-8 scan' ? baseline.utf8ScanMBps : baseline.gunzipJsonMBps;
  row.vsBaseline = round(row.mbPerSecond / base, 4);
}

print(
  table(
    'End to end on one core (decode → replay → segmentation → shell analysis → rules → alerts with a cached identity → formatting)',
    ['path', 'corpus', 'MB/s', 'commands/s', 'alerts', 'vs baseline'],
    [
      ...endToEnd.map((r): Cell[] => [
        r.name,
        r.corpus,
        r.mbPerSecond,
        r.commandsPerSecond,
        r.alerts,
        `${percent(r.vsBaseline)} of ${r.baseline}`,
      ]),
      [
        'baseline (a): base64 + gunzip + JSON.parse of the subscription payloads',
        'mixed',
        baseline.gunzipJsonMBps,
        null,
        null,
        null,
      ],
      [
        'baseline (b): TextDecoder over 64 KB chunks + newline count of the .log bytes',
        'mixed',
        baseline.utf8ScanMBps,
        null,
        null,
        null,
      ],
    ],
  ),
);
print(
  "MB/s counts each format's own bytes: the .log object, the JSON lines, the decompressed subscription payload JSON.",
);
results.baselines = {
  ...baseline,
  gunzipJsonMBps: round(baseline.gunzipJsonMBps),
  utf8ScanMBps: round(baseline.utf8ScanMBps),
};
results.endToEnd = endToEnd;

// ---- stages
interface StageRow {
  stage: string;
  cumulativeMBps: number;
  /** Milliseconds per MB this stage adds to the ones before it. */
  addedMsPerMB: number;
}
const stages: Record<string, StageRow[]> = {};
for (const format of ['log', 'cwFinal', 'subscription'] as Format[]) {
  const rig = await stageRig(mixed, format);
  const megabytes = bytesOf(mixed, format) / 1024 / 1024;
  // the levels measured in turn, round after round (a busy moment of the machine then touches every level alike)
  const fastest = STAGES.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < settings.runs + 1; round++) {
    for (const [i, stage] of STAGES.entries()) {
      const t = await timed(() => runUpTo(stage, rig), 1);
      fastest[i] = Math.min(fastest[i]!, t.ms);
    }
  }
  let before = 0;
  stages[format] = STAGES.map((stage, i) => {
    const msPerMB = fastest[i]! / megabytes;
    const row = {
      stage,
      cumulativeMBps: round(1000 / msPerMB, 1),
      addedMsPerMB: round(Math.max(0, msPerMB - before), 2),
    };
    before = Math.max(before, msPerMB);
    return row;
  });
}
const { profile } = await profiled(async () => runUpTo('formatting', await stageRig(mixed, 'log')));
const self = selfTimes(profile);
const shares = byStage(self);
const profileTotal = [...shares.values()].reduce((a, b) => a + b, 0);
const share = (...names: string[]) => names.reduce((n, s) => n + (shares.get(s) ?? 0), 0) / profileTotal;
print(
  table(
    'Stages, cumulative: the pipeline run up to each stage over the mixed corpus (in-process readCommands, the CLI path)',
    ['stage', 'S3 .log MB/s', '+ms/MB', 'CW end MB/s', '+ms/MB', 'subscription MB/s', '+ms/MB', 'S3 CPU profile'],
    STAGES.map((stage, i): Cell[] => [
      stage,
      stages.log![i]!.cumulativeMBps,
      stages.log![i]!.addedMsPerMB,
      stages.cwFinal![i]!.cumulativeMBps,
      stages.cwFinal![i]!.addedMsPerMB,
      stages.subscription![i]!.cumulativeMBps,
      stages.subscription![i]!.addedMsPerMB,
      i === 1
        ? `${percent(share('replay'))} replay + ${percent(share('segmentation'))} segm.`
        : percent(share(stage === 'alerts (enrichment)' ? 'alerts (enrichment)' : stage)),
    ]),
  ),
);
print(
  `"S3 CPU profile": self time by source folder in a sampled run of the whole S3 path; the rest is GC ` +
    `(${percent(share('gc'))}) and the runtime (${percent(share('runtime'))}: UTF-8 decoding, regular expressions).`,
);
results.stages = { method: 'cumulative runs of the pipeline up to each stage; split by CPU profile', ...stages };
results.profileShares = Object.fromEntries([...shares].map(([k, v]) => [k, round(v / profileTotal, 3)]));
if (flags.profile) {
  print(
    table(
      'Hottest functions (self time, S3 path)',
      ['function', 'file', 'ms'],
      self.slice(0, 40).map((t) => [t.fn, t.file, round(t.ms)]),
    ),
  );
}

// ---- detectors
const detectors = await benchDetectors();
const ioc = (n: string) => detectors[`detectors.iocLookupNs.${n}`]!;
const rules = (n: number) => detectors[`detectors.usPerCommand.rules${n}`]!;
print(
  table(
    'Detection engine',
    ['measure', 'value'],
    [
      ['commands/s, built-in rules and IOCs', detectors['detectors.commandsPerSecond.builtin']!],
      ...['1e+3', '1e+5', '1e+6'].map((n): Cell[] => [
        `IOC lookup, ${n.replace('e+', 'e')} indicators (ns/query; heap MB)`,
        `${ioc(n)} ns; ${detectors[`detectors.iocHeapMB.${n}`]} MB`,
      ]),
      ...[10, 100, 1000].map((n): Cell[] => [`µs per command, ${n} generated rules`, rules(n)]),
    ],
  ),
);
results.detectors = detectors;

// ---- memory and scaling, cold start, bundle
// the same transcript at 1×, 2× and 4× the size: time must grow linearly (a long output repeated once grew it
// quadratically), memory not at all
const scaling: RssResult[] = [];
for (const size of [rssMB / 4, rssMB / 2]) scaling.push(await peakRss('commands', await bigTranscript(size, tmpdir())));
const transcript = await bigTranscript(rssMB, tmpdir());
const rss: RssResult[] = [await peakRss('commands', transcript), await peakRss('scan', transcript)];
scaling.push(rss[0]!);
const bundle = checkBundle();
const cold = await coldStart(
  settings.coldRuns,
  bundle.awsSdk.map((s) => s.name),
);
print(
  table(
    'Process',
    ['measure', 'value'],
    [
      ...rss.map((r): Cell[] => [
        `peak RSS, sessionwatch ${r.command} on a ${round(r.megabytes)} MB transcript (${round(r.megabytes / r.cpuSeconds, 1)} MB per CPU s)`,
        `${round(r.peakRssMB)} MB`,
      ]),
      [
        `sessionwatch commands on ${scaling.map((r) => Math.round(r.megabytes)).join(' / ')} MB, CPU s (linear: equal ms/MB)`,
        scaling
          .map((r) => `${round(r.cpuSeconds, 1)} s (${round((r.cpuSeconds * 1000) / r.megabytes, 1)} ms/MB)`)
          .join(' / '),
      ],
      [
        `Lambda cold start: import dist/lambda/index.mjs + configuration (median of ${cold.runs})`,
        `${round(cold.importMs)} ms (${round(cold.importCpuMs)} ms CPU)`,
      ],
      [
        '  AWS SDK packages the bundle names, imported alone / the bundle imported after them',
        `${round(cold.sdkImportMs)} ms / ${round(cold.bundleAfterSdkMs)} ms`,
      ],
      ['Lambda first invocation setup (a ping: configuration, clients)', `${round(cold.firstInvocationMs)} ms`],
      [
        'Lambda first transcript delivery in a fresh process (rules and IOCs built, state in memory)',
        `${round(cold.firstDeliveryMs)} ms`,
      ],
      ['Lambda process start to end of first invocation', `${round(cold.processMs)} ms`],
      ['dist/lambda/index.mjs', `${round(bundle.bytes / 1024 / 1024, 2)} MB`],
      [
        'largest parts of the bundle',
        bundle.largest
          .slice(0, 5)
          .map((p) => `${p.name} ${Math.round(p.bytes / 1024)} KB`)
          .join(', '),
      ],
      [
        'AWS SDK packages imported (provided by the runtime)',
        bundle.awsSdk.map((s) => s.name.replace('@aws-sdk/', '')).join(', '),
      ],
      ['bundle problems', bundle.problems.length ? bundle.problems.join('; ') : 'none'],
    ],
  ),
);
const rounded = (r: RssResult) => ({
  ...r,
  megabytes: round(r.megabytes),
  peakRssMB: round(r.peakRssMB),
  seconds: round(r.seconds),
  cpuSeconds: round(r.cpuSeconds),
});
results.rss = rss.map(rounded);
results.scaling = scaling.map(rounded);
results.coldStart = {
  ...cold,
  importMs: round(cold.importMs),
  importCpuMs: round(cold.importCpuMs),
  sdkImportMs: round(cold.sdkImportMs),
  bundleAfterSdkMs: round(cold.bundleAfterSdkMs),
  firstInvocationMs: round(cold.firstInvocationMs),
  firstDeliveryMs: round(cold.firstDeliveryMs),
  processMs: round(cold.processMs),
};
results.bundle = bundle;

// ---- cost
const deliveries = mixed.sessions.reduce((n, s) => n + s.subscription.length, 0);
const s3Cost = pathCost(mixed.bytes.log, s3Lambda.ms, mixed.sessions.length, PRICES.s3ObjectsPerInvocation);
const streamCost = pathCost(mixed.bytes.log, streamLambda.ms, deliveries, PRICES.deliveriesPerInvocation);
print(
  table(
    `Lambda cost per GB of transcripts (arm64 $${PRICES.gbSecond}/GB-s, $${PRICES.perMillionRequests}/M requests, ${PRICES.memoryMB} MB = ${round(PRICES.memoryMB / PRICES.fullVcpuMB, 2)} vCPU, a Graviton core taken as fast as this one)`,
    ['path', 'MB/s on 1 core', 'MB/s at 1,024 MB', 'GB-s per GB', 'invocations per GB', '$ per GB'],
    [
      [
        'S3 objects (SQS batches of 10)',
        s3Cost.mbPerSecondOneCore,
        s3Cost.mbPerSecondLambda,
        s3Cost.secondsPerGB,
        s3Cost.invocationsPerGB,
        s3Cost.dollarsPerGB,
      ],
      [
        'stream (Kinesis batches of 100 deliveries)',
        streamCost.mbPerSecondOneCore,
        streamCost.mbPerSecondLambda,
        streamCost.secondsPerGB,
        streamCost.invocationsPerGB,
        streamCost.dollarsPerGB,
      ],
      [
        'both (each GB streamed and uploaded)',
        null,
        null,
        s3Cost.secondsPerGB + streamCost.secondsPerGB,
        s3Cost.invocationsPerGB + streamCost.invocationsPerGB,
        s3Cost.dollarsPerGB + streamCost.dollarsPerGB,
      ],
    ],
  ),
);
print(
  "Per GB of S3 transcript (the stream path processes the same sessions' subscription deliveries). " +
    `docs/deploy.md THROUGHPUT (S3 objects, one 1,024 MB function): ${round(s3Cost.mbPerSecondLambda, 1)} MB/s.`,
);
const stateCost = tableCost(mixed.bytes.log, streamLambda.stateTable!);
const longStateCost = tableCost(longStream.bytes.payload, longStreamLambda.stateTable!);
print(
  table(
    `Session state table, DynamoDB on-demand ($${PRICES.dynamoDbWriteUnits}/M write units, $${PRICES.dynamoDbReadUnits}/M read units): the stream path's reordering state: each delivery writes the session's item and its events once`,
    ['corpus', 'puts', 'write units per GB', 'of which event chunks', 'read units per GB', '$ per GB'],
    [
      [
        'mixed (per GB of S3 transcript)',
        streamLambda.stateTable!.puts,
        stateCost.writeUnitsPerGB,
        percent(streamLambda.stateTable!.chunkWriteUnits / streamLambda.stateTable!.writeUnits),
        stateCost.readUnitsPerGB,
        stateCost.dollarsPerGB,
      ],
      [
        'long-stream (per GB of payload JSON)',
        longStreamLambda.stateTable!.puts,
        longStateCost.writeUnitsPerGB,
        percent(longStreamLambda.stateTable!.chunkWriteUnits / longStreamLambda.stateTable!.writeUnits),
        longStateCost.readUnitsPerGB,
        longStateCost.dollarsPerGB,
      ],
    ],
  ),
);
results.cost = {
  prices: PRICES,
  s3: s3Cost,
  stream: streamCost,
  totalDollarsPerGB: s3Cost.dollarsPerGB + streamCost.dollarsPerGB,
  stateTable: { mixed: stateCost, longStream: longStateCost },
};

// ---- targets
const rssFor = (command: string) => rss.find((r) => r.command === command)!.peakRssMB;
const checks: { target: string; measured: string; ok: boolean }[] = [
  {
    target: `streaming end to end ≥ ${percent(TARGETS.streamVsGunzipJson)} of gunzip+JSON.parse`,
    measured: `Lambda ${percent(streamLambda.vsBaseline)}, CLI ${percent(streamCli.vsBaseline)}`,
    ok: streamLambda.vsBaseline >= TARGETS.streamVsGunzipJson,
  },
  {
    target: `S3 end to end ≥ ${percent(TARGETS.s3VsUtf8Scan)} of the UTF-8 scan`,
    measured: `Lambda ${percent(s3Lambda.vsBaseline)}, CLI ${percent(s3Cli.vsBaseline)}`,
    ok: Math.min(s3Lambda.vsBaseline, s3Cli.vsBaseline) >= TARGETS.s3VsUtf8Scan,
  },
  {
    target: `IOC lookup with 1e6 indicators ≤ ${TARGETS.iocLookup1e6Vs1e3}× 1e3`,
    measured: `${round(ioc('1e+6') / ioc('1e+3'), 2)}×`,
    ok: ioc('1e+6') / ioc('1e+3') <= TARGETS.iocLookup1e6Vs1e3,
  },
  {
    target: `1000 rules ≤ ${TARGETS.rules1000Vs10}× the cost of 10`,
    measured: `${round(rules(1000) / rules(10), 2)}×`,
    ok: rules(1000) / rules(10) <= TARGETS.rules1000Vs10,
  },
  {
    target: `peak RSS < ${TARGETS.peakRssMB} MB on a ${round(rss[0]!.megabytes)} MB transcript`,
    measured: `commands ${round(rssFor('commands'))} MB, scan ${round(rssFor('scan'))} MB`,
    ok: Math.max(rssFor('commands'), rssFor('scan')) < TARGETS.peakRssMB,
  },
  {
    target: `Lambda bundle < ${TARGETS.bundleMB} MB, no devDependency or unused SDK client`,
    measured: `${round(bundle.bytes / 1024 / 1024, 2)} MB, ${bundle.problems.length} problems`,
    ok: bundle.bytes < TARGETS.bundleMB * 1024 * 1024 && bundle.problems.length === 0,
  },
  {
    target: `cold start (import + configuration) < ${TARGETS.coldStartMs} ms`,
    measured: `${round(cold.importMs)} ms (${round(cold.importCpuMs)} ms CPU)`,
    ok: cold.importMs < TARGETS.coldStartMs,
  },
];
print(
  table(
    'Targets',
    ['target', 'measured', 'met'],
    checks.map((c) => [c.target, c.measured, c.ok ? 'yes' : 'NO']),
  ),
);
if (!flags.full) print(`(peak RSS on 2 GB: npm run bench -- --full)`);
results.checks = checks;
results.seconds = round((performance.now() - started) / 1000);
writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);
print(`\n${flags.out} written in ${results.seconds} s`);
