/**
 * Timing helpers. A run is timed by the CPU time the process used (user + system, all threads): on a shared machine
 * other processes stretch wall time but not that. Of several runs the fastest is kept.
 */

export interface Timed<T> {
  /** CPU milliseconds of the fastest run. */
  ms: number;
  /** Wall-clock milliseconds of the same run. */
  wallMs: number;
  /** Every run's CPU time, in order. */
  runs: number[];
  value: T;
}

/** CPU milliseconds this process has used so far. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs `fn` `runs` times (after an untimed `setup` each time, whose result it is given) and keeps the fastest: other
 * processes on the machine and the JIT warming up only ever add time.
 */
export async function timed<T, S = undefined>(
  fn: (prepared: S) => T | Promise<T>,
  runs: number,
  setup?: () => S | Promise<S>,
): Promise<Timed<T>> {
  const times: number[] = [];
  const walls: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    // no forced gc() between runs: a full collection made that way also drops optimised code, so each run would
    // measure the JIT warming up again, which a long-running process never does
    const prepared = (await setup?.()) as S;
    const cpu = cpuMs();
    const wall = performance.now();
    value = await fn(prepared);
    walls.push(performance.now() - wall);
    times.push(cpuMs() - cpu);
  }
  const best = times.indexOf(Math.min(...times));
  return { ms: times[best]!, wallMs: walls[best]!, runs: times, value };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const MB = 1024 * 1024;

export const mbPerSecond = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
