/**
 * Where time goes: a V8 CPU profile (the inspector's sampling profiler, as `node --cpu-prof` writes) summarised by
 * source file and function, positions in the bundle mapped back to the TypeScript sources through its source map.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** Source file relative to the repository (or `node:…`, `(garbage collector)`, …). */
  file: string;
  fn: string;
  ms: number;
}

/** Profiles `fn` with the inspector's sampler (100 µs interval). */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ value: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  try {
    const value = await fn();
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    return { value, profile };
  } finally {
    session.disconnect();
  }
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(url: string): SourceMap | null {
  if (!maps.has(url)) {
    try {
      const path = fileURLToPath(url);
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      maps.set(url, null);
    }
  }
  return maps.get(url)!;
}

function where(frame: ProfileNode['callFrame']): { file: string; fn: string } {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return { file: fn.startsWith('(') ? fn : '(native)', fn };
  if (!frame.url.startsWith('file:')) return { file: frame.url, fn };
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  const source = entry && 'originalSource' in entry ? entry.originalSource : frame.url;
  const file = source.replace(/^.*?\/(?=(?:forwarder|detectors|bench|node_modules)\/)/, '');
  return { file, fn };
}

/** Self time per function, largest first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const out = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id);
    if (!us) continue;
    const { file, fn } = where(node.callFrame);
    const key = `${file}\u0000${fn}`;
    const entry = out.get(key) ?? { file, fn, ms: 0 };
    entry.ms += us / 1000;
    out.set(key, entry);
  }
  return [...out.values()].sort((a, b) => b.ms - a.ms);
}

/** Pipeline stage of a source file; time in the runtime itself (GC, natives) is charged to `runtime`. */
export function stageOfFile(file: string): string {
  if (/^forwarder\/terminal\//.test(file)) return 'replay';
  if (/^forwarder\/commands\//.test(file)) return 'segmentation';
  if (/^forwarder\/(transcript|sources)\//.test(file)) return 'decode';
  if (/^detectors\/(shell|analyze)\//.test(file)) return 'shell analysis';
  if (/^detectors\//.test(file)) return 'rules';
  if (/^forwarder\/(alerts\/formats|sinks)\//.test(file)) return 'formatting';
  if (/^forwarder\/(alerts|identity|redact|pipeline)\//.test(file)) return 'alerts (enrichment)';
  if (/^forwarder\/(lambda|stream)\//.test(file)) return 'lambda state';
  if (file === '(garbage collector)') return 'gc';
  return 'runtime';
}

export function byStage(times: readonly SelfTime[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of times) out.set(stageOfFile(t.file), (out.get(stageOfFile(t.file)) ?? 0) + t.ms);
  return out;
}

/** Callers of the functions named `fn`, with the self time spent under each (for finding who pays for a builtin). */
export function callersOf(profile: CpuProfile, fn: string): SelfTime[] {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes as (ProfileNode & { children?: number[] })[])
    for (const child of node.children ?? []) parent.set(child, node);
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const out = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== fn) continue;
    const p = parent.get(node.id);
    if (!p) continue;
    const { file, fn: name } = where(p.callFrame);
    const key = `${file}\u0000${name}`;
    const entry = out.get(key) ?? { file, fn: name, ms: 0 };
    entry.ms += (byNode.get(node.id) ?? 0) / 1000;
    out.set(key, entry);
  }
  return [...out.values()].sort((a, b) => b.ms - a.ms);
}
