/**
 * Measurements of whole processes and artifacts: peak RSS of the CLI over one large transcript, cold start of the
 * Lambda bundle in fresh `node` processes, and the bundle's size and contents (from its esbuild metafile).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURES } from './corpus.js';
import { median } from './measure.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli/sessionwatch.mjs');
const LAMBDA = join(ROOT, 'dist/lambda/index.mjs');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Writes (once, then reused) a transcript of `megabytes` with bench/make-transcript.mjs. */
export async function bigTranscript(megabytes: number, dir: string): Promise<string> {
  const path = join(dir, `sessionwatch-bench-${megabytes}mb.log`);
  if (existsSync(path) && statSync(path).size >= megabytes * 1024 * 1024) return path;
  const made = await run([join(ROOT, 'bench/make-transcript.mjs'), path, String(megabytes)]);
  if (made.code !== 0) throw new Error(`make-transcript failed: ${made.stderr}`);
  return path;
}

export interface RssResult {
  command: string;
  megabytes: number;
  peakRssMB: number;
  /** Wall-clock seconds, and CPU seconds of the child (all its threads). */
  seconds: number;
  cpuSeconds: number;
  outputLines: number;
}

/**
 * Runs `sessionwatch <command> FILE` in a child process (output discarded as it streams) and reads the child's
 * own peak resident set (getrusage's ru_maxrss) as it exits.
 */
export async function peakRss(command: 'commands' | 'scan', file: string): Promise<RssResult> {
  const probe = `process.on('exit', () => process.stderr.write('\\nPEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n'));
    const { main } = await import(${JSON.stringify(pathToFileURL(CLI).href)});
    let lines = 0;
    const stdout = new (await import('node:stream')).Writable({ write(c, _e, done) { for (const b of c) if (b === 10) lines++; done(); } });
    process.exitCode = await main(${JSON.stringify([command, file, '--format', 'jsonl', '--no-progress'])}, { stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
    const cpu = process.cpuUsage();
    process.stderr.write('OUTPUT_LINES ' + lines + '\\nCPU_MS ' + (cpu.user + cpu.system) / 1000 + '\\n');`;
  const start = performance.now();
  const { code, stderr } = await run(['--input-type=module', '-e', probe]);
  const seconds = (performance.now() - start) / 1000;
  const kb = /PEAK_RSS_KB (\d+)/.exec(stderr);
  if (code !== 0 || !kb) throw new Error(`sessionwatch ${command} failed (${code}): ${stderr.slice(-800)}`);
  return {
    command,
    megabytes: statSync(file).size / 1024 / 1024,
    peakRssMB: Number(kb[1]) / 1024,
    seconds,
    cpuSeconds: Number(/CPU_MS ([\d.]+)/.exec(stderr)?.[1] ?? Number.NaN) / 1000,
    outputLines: Number(/OUTPUT_LINES (\d+)/.exec(stderr)?.[1] ?? 0),
  };
}

/** The transcripts function's environment as the CDK stack sets it (tables and queues named, never called here). */
export function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: 'sessionwatch-transcripts',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    SESSIONWATCH_FUNCTION: 'transcripts',
    SESSIONWATCH_SINKS: 'sns:arn:aws:sns:eu-west-1:111122223333:sessionwatch-alerts',
    SESSIONWATCH_SPOOL: 'sqs:https://sqs.eu-west-1.amazonaws.com/111122223333/sessionwatch-alert-spool',
    SESSIONWATCH_MIN_SEVERITY: 'low',
    SESSIONWATCH_IDENTITY_TABLE: 'sessionwatch-identity',
    SESSIONWATCH_STATE_TABLE: 'sessionwatch-state',
    SESSIONWATCH_CONTINUATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/sessionwatch-continuation',
    SESSIONWATCH_IOC_SOURCES: join(FIXTURES, 'iocs.txt'),
    LOG_LEVEL: 'WARN',
    POWERTOOLS_SERVICE_NAME: 'sessionwatch',
    POWERTOOLS_METRICS_NAMESPACE: 'SessionWatch',
    NODE_OPTIONS: '--max-semi-space-size=51',
  };
}

export interface ColdStart {
  runs: number;
  /** Importing the bundle: module evaluation and the configuration check (the Lambda init phase), wall clock. */
  importMs: number;
  /** The same in CPU time (unaffected by other processes). */
  importCpuMs: number;
  /** Importing the AWS SDK packages the bundle names, alone (the runtime provides them; the bundle loads each client
   * on first use). */
  sdkImportMs: number;
  /** Importing the bundle once those are loaded: its own code (zod, yaml, tldts, rules, …). */
  bundleAfterSdkMs: number;
  /** The first invocation's setup (a ping: configuration read, clients made; rules are built on first use). */
  firstInvocationMs: number;
  /**
   * A fresh process's first transcript delivery (one streamed event), after the import: the rules and indicators
   * built, the event decoded, replayed and checked; state in memory, alerts to stdout (nothing here speaks AWS).
   */
  firstDeliveryMs: number;
  /** From the process's start (node's own bootstrap included) to the end of the first invocation. */
  processMs: number;
}

/**
 * Fresh `node` processes importing dist/lambda/index.mjs and invoking it once; medians. Then as many again that
 * import the AWS SDK packages the bundle names first: what they cost (the bundle loads each on first use) and what
 * the bundle's own code costs once they are loaded. Then as many again handling a first transcript delivery.
 */
export async function coldStart(runs: number, sdkPackages: readonly string[]): Promise<ColdStart> {
  const probe = `const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const t0 = performance.now();
    const c0 = cpu();
    const m = await import(${JSON.stringify(pathToFileURL(LAMBDA).href)});
    const t1 = performance.now();
    const c1 = cpu();
    await m.handler({ ping: true }, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 });
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, importCpuMs: c1 - c0, firstInvocationMs: t2 - t1, processMs: t2 }));`;
  const samples = await probeRuns<Omit<ColdStart, 'runs'>>(runs, probe, 'importMs', lambdaEnvironment());
  const split = `const t0 = performance.now();
    await Promise.all(${JSON.stringify(sdkPackages)}.map((p) => import(p)));
    const t1 = performance.now();
    await import(${JSON.stringify(pathToFileURL(LAMBDA).href)});
    console.log(JSON.stringify({ sdkMs: t1 - t0, bundleMs: performance.now() - t1 }));`;
  const splits = await probeRuns<{ sdkMs: number; bundleMs: number }>(runs, split, 'sdkMs', lambdaEnvironment(), ROOT);
  const delivery = JSON.stringify(
    (
      JSON.parse(
        readFileSync(join(FIXTURES, 'sessions/mallory-09f8e7d6c5b4a3921.subscription.json'), 'utf8'),
      ) as unknown[]
    )[0],
  );
  const first = `await import(${JSON.stringify(pathToFileURL(LAMBDA).href)}).then(async (m) => {
      const t0 = performance.now();
      await m.handler(${delivery}, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 });
      console.log(JSON.stringify({ firstDeliveryMs: performance.now() - t0 }));
    });`;
  const local: NodeJS.ProcessEnv = { ...lambdaEnvironment(), SESSIONWATCH_SINKS: 'stdout' };
  for (const table of ['SESSIONWATCH_IDENTITY_TABLE', 'SESSIONWATCH_STATE_TABLE', 'SESSIONWATCH_SPOOL'])
    delete local[table];
  const deliveries = await probeRuns<{ firstDeliveryMs: number }>(runs, first, 'firstDeliveryMs', local);
  return {
    runs,
    firstDeliveryMs: median(deliveries.map((d) => d.firstDeliveryMs)),
    sdkImportMs: median(splits.map((s) => s.sdkMs)),
    bundleAfterSdkMs: median(splits.map((s) => s.bundleMs)),
    importMs: median(samples.map((s) => s.importMs)),
    importCpuMs: median(samples.map((s) => s.importCpuMs)),
    firstInvocationMs: median(samples.map((s) => s.firstInvocationMs)),
    processMs: median(samples.map((s) => s.processMs)),
  };
}

/** `runs` fresh `node` processes running `script` (an ES module), each printing one JSON line whose first key is `key`. */
async function probeRuns<T>(
  runs: number,
  script: string,
  key: string,
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < runs; i++) {
    const { code, stdout, stderr } = await run(['--input-type=module', '-e', script], env, cwd);
    const line = stdout.split('\n').find((l) => l.startsWith(`{"${key}"`));
    if (code !== 0 || !line) throw new Error(`cold start run failed (${code}): ${stderr.slice(-800)}`);
    out.push(JSON.parse(line) as T);
  }
  return out;
}

export interface BundleCheck {
  bytes: number;
  /** Bytes each bundled package (or source tree) adds to the output. */
  largest: { name: string; bytes: number }[];
  /** AWS SDK packages the bundle imports at run time (the Lambda runtime provides them), and who imports each. */
  awsSdk: { name: string; importedBy: string[] }[];
  problems: string[];
}

const packageOf = (path: string) => {
  const parts = path.replace(/^.*?node_modules\//, '').split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/**
 * dist/lambda/index.mjs and its metafile: no devDependency bundled, every external import a declared dependency,
 * and no AWS SDK client that only the CLI's commands use (the sources under forwarder/cli and forwarder/posture).
 */
export function checkBundle(): BundleCheck {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist/lambda/meta.json'), 'utf8')) as {
    inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const output = Object.values(meta.outputs).find((o) => o.entryPoint)!;
  const problems: string[] = [];
  const sizes = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = path.includes('node_modules/') ? packageOf(path) : path.split('/')[0]!;
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    if (path.includes('node_modules/') && packageOf(path) in pkg.devDependencies)
      problems.push(`devDependency ${packageOf(path)} is bundled (${path})`);
  }
  const cliOnly = cliOnlySdkClients();
  const awsSdk = new Map<string, string[]>();
  for (const [path, { imports }] of Object.entries(meta.inputs)) {
    if (!(path in output.inputs)) continue;
    for (const i of imports) {
      if (!i.external || i.path.startsWith('node:') || !/^[@a-z]/.test(i.path)) continue;
      const name = packageOf(i.path);
      if (['process', 'buffer'].includes(name)) continue; // node built-ins required by name
      if (!(name in pkg.dependencies)) problems.push(`external import ${name} is not a dependency`);
      if (name.startsWith('@aws-sdk/')) awsSdk.set(name, [...(awsSdk.get(name) ?? []), path]);
    }
  }
  for (const name of awsSdk.keys()) if (cliOnly.has(name)) problems.push(`${name} is only used by CLI commands`);
  return {
    bytes: statSync(LAMBDA).size,
    largest: [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    awsSdk: [...awsSdk].map(([name, importedBy]) => ({ name, importedBy: [...new Set(importedBy)] })),
    problems,
  };
}

/** AWS SDK packages imported only by the CLI's own commands (posture, coverage, …), never by the pipeline. */
function cliOnlySdkClients(): Set<string> {
  const importers = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/from '(@aws-sdk\/[a-z0-9-]+)'/g))
          importers.set(m[1]!, (importers.get(m[1]!) ?? new Set()).add(path.slice(ROOT.length)));
    }
  };
  walk(join(ROOT, 'forwarder'));
  const cli = /^forwarder\/(cli|posture)\//;
  return new Set([...importers].filter(([, files]) => [...files].every((f) => cli.test(f))).map(([name]) => name));
}
