// The tampering rules (detectors/builtin/rules/tamper-*.yml) on realistic command records: a generated Session
// Manager session in which the user stops the agent, tampers with its files and configuration, starts a detached
// tmux and types with echo off (every transcript format of it), plus evasions and look-alikes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, runRuleTests } from '../../detectors/index.js';
import type { CommandRecord } from '../../forwarder/commands/record.js';
import { expandInputs } from '../../forwarder/sources/inputs.js';
import { readCommands } from '../../forwarder/sources/read-commands.js';
import { repoRoot } from '../helpers/paths.js';
import { record } from './helpers.js';

const TAMPER_RULES = [
  'sw-tamper-echo-off',
  'sw-tamper-ssm-agent-config',
  'sw-tamper-ssm-agent-stopped',
  'sw-tamper-ssm-state-files',
  'sw-tamper-unlogged-terminal',
];
const fixtures = join(repoRoot, 'test/forwarder/session-coverage/fixtures');
const SESSION = 'trent-p3q9w2e8r4t7y1u5i0o6a2s4dx';
const truth = JSON.parse(readFileSync(join(fixtures, `${SESSION}.truth.json`), 'utf8')) as {
  principal: string;
  instanceId: string;
  account: string;
  commands: { command: string; labels: string[] }[];
};

const { engine, problems } = createEngine({});

function analyzer(principalArn = truth.principal) {
  return engine.session({ sessionId: SESSION, instanceId: truth.instanceId, account: truth.account, principalArn });
}

async function transcriptRecords(file: string): Promise<CommandRecord[]> {
  const records: CommandRecord[] = [];
  const objects = () => {
    throw new Error('no S3 in this test');
  };
  await readCommands(
    expandInputs([join(fixtures, file)], { stdin: process.stdin, objects }),
    { record: (r) => void records.push(r), problem: (e) => expect.fail(e.message) },
    { objects },
  );
  return records;
}

const rulesOn = (command: string, seq = 1, overrides: Partial<CommandRecord> = {}) =>
  analyzer()
    .analyze(record(command, seq, { sessionId: SESSION, ...overrides }))
    .map((d) => d.ruleId)
    .filter((id) => id.startsWith('sw-tamper-'));

describe('tampering rules', () => {
  it('are built in, load without problems, and carry at least 5 matching and 5 non-matching examples each', () => {
    expect(problems).toEqual([]);
    expect(engine.rules.map((r) => r.id)).toEqual(expect.arrayContaining(TAMPER_RULES));
    const dir = join(repoRoot, 'detectors/builtin/rules');
    const texts = readdirSync(dir)
      .filter((f) => f.startsWith('tamper-'))
      .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
    const results = runRuleTests(texts);
    expect(results.map((r) => r.ruleId).sort()).toEqual(TAMPER_RULES);
    for (const r of results) {
      expect(r.problems, r.source).toEqual([]);
      expect(r.failures, r.source).toEqual([]);
      expect(r.passed, r.source).toBeGreaterThanOrEqual(10);
    }
    for (const { text, name } of texts) {
      const tests = text.slice(text.indexOf('\ntests:'));
      const count = (section: string) =>
        (tests.split(`  ${section}:\n`)[1] ?? '').split(/\n {2}\w/)[0]!.match(/^ {4}- /gm)!.length;
      expect(count('match'), name).toBeGreaterThanOrEqual(5);
      expect(count('no_match'), name).toBeGreaterThanOrEqual(5);
    }
  });

  const expected: [string, string[]][] = [
    ['id', []],
    ['sudo systemctl stop amazon-ssm-agent', ['sw-tamper-ssm-agent-stopped']],
    [truth.commands[2]!.command, ['sw-tamper-ssm-state-files']],
    [truth.commands[3]!.command, ['sw-tamper-ssm-agent-config']],
    ["tmux new -d -s upd 'sleep 600'", ['sw-tamper-unlogged-terminal']],
    ['stty -echo', ['sw-tamper-echo-off']],
    // `head -3 /etc/passwd` and `stty echo` were typed with echo off: the transcript shows their output only
    ['uptime', []],
    ['exit', []],
  ];

  for (const file of [
    `${SESSION}.log`,
    `${SESSION}.cw-final.jsonl`,
    `${SESSION}.cw-stream.jsonl`,
    `${SESSION}.subscription.json`,
  ]) {
    it(`raise on the tampering typed in the session, and nothing else (${file.slice(SESSION.length + 1)})`, async () => {
      const records = await transcriptRecords(file);
      const session = analyzer();
      const rules = records.map((r) =>
        session
          .analyze(r)
          .map((d) => d.ruleId)
          .filter((id) => id.startsWith('sw-tamper-')),
      );
      expect(rules).toEqual(expected.map(([, ids]) => ids));
      const commands = records.map((r) => r.command);
      if (file.includes('stream') || file.includes('subscription')) {
        // the stream loses the terminal's line wrap of the long chattr line ("St andard_Stream"): still matched
        expect(commands[2]).toMatch(/^sudo chattr -a \/var\/lib\/amazon\/ssm\//);
        commands[2] = expected[2]![0];
      }
      expect(commands).toEqual(expected.map(([command]) => command));
      expect(truth.commands.map((c) => c.command)).toEqual(
        expect.arrayContaining(['head -3 /etc/passwd', 'stty echo']),
      );
    });
  }

  it('carry the category, ATT&CK ids and what matched', () => {
    const [d] = analyzer()
      .analyze(record('sudo systemctl disable --now amazon-ssm-agent', 1, { sessionId: SESSION }))
      .filter((x) => x.ruleId === 'sw-tamper-ssm-agent-stopped');
    expect(d).toMatchObject({ severity: 'high', category: 'defense-evasion', attack: ['T1685', 'T1489'] });
    expect(d!.evidence[0]!.value).toContain('systemctl disable --now amazon-ssm-agent');
  });

  it('see through quoting, wrappers, variables and decoding', () => {
    expect(rulesOn('s\'\'udo sys\\temctl st"o"p amazon-ssm-agent')).toEqual(['sw-tamper-ssm-agent-stopped']);
    expect(rulesOn('echo c3lzdGVtY3RsIHN0b3AgYW1hem9uLXNzbS1hZ2VudA== | base64 -d | sudo sh')).toContain(
      'sw-tamper-ssm-agent-stopped',
    );
    expect(rulesOn('sudo env PATH=/usr/bin nohup /usr/bin/pkill -f ssm-session-worker')).toEqual([
      'sw-tamper-ssm-agent-stopped',
    ]);
    const session = analyzer();
    session.analyze(record('d=/var/lib/amazon/ssm', 1, { sessionId: SESSION }));
    const ids = session
      .analyze(record('sudo rm -rf "$d"/i-0e4f5a6b7c8d9e0f1/session', 2, { sessionId: SESSION }))
      .map((x) => x.ruleId);
    expect(ids).toContain('sw-tamper-ssm-state-files');
    expect(rulesOn("bash -c 'stty raw -echo'")).toEqual(['sw-tamper-echo-off']);
    expect(rulesOn('sudo -u root screen -dmS upd bash -c "sleep 1"')).toEqual(['sw-tamper-unlogged-terminal']);
  });

  it('stay quiet on administration that looks alike', () => {
    for (const command of [
      'sudo systemctl restart amazon-ssm-agent',
      'sudo systemctl status amazon-ssm-agent --no-pager',
      'sudo tail -n 50 /var/log/amazon/ssm/amazon-ssm-agent.log',
      'sudo cat /etc/amazon/ssm/amazon-ssm-agent.json | jq .Agent',
      'sudo ls -la /var/lib/amazon/ssm/i-0e4f5a6b7c8d9e0f1/session/orchestration',
      'tmux attach -t build',
      'stty cols 200 rows 50',
      'stty -echo; read -r -s PGPASSWORD; stty echo; export PGPASSWORD',
      'grep -r ssm-session-worker /var/log/amazon/ssm/',
      'sudo snap refresh amazon-ssm-agent',
    ]) {
      expect(rulesOn(command), command).toEqual([]);
    }
  });

  it('do not fire on a line abandoned with Ctrl-C', () => {
    expect(rulesOn('sudo systemctl stop amazon-ssm-agent', 1, { cancelled: true })).toEqual([]);
  });
});
