import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_IOCS, BUILTIN_RULES } from '../../detectors/builtin/bundle.generated.js';
import { type CompiledRule, compileRuleTexts } from '../../detectors/engine.js';
import {
  type AnalysedCommand,
  analyzeLine,
  createEngine,
  lintRuleTexts,
  loadRuleDirs,
  runRuleTests,
  SessionState,
} from '../../detectors/index.js';
import type { LoadProblem } from '../../detectors/problems.js';
import { attackTag } from '../../detectors/rules/attack.js';
import { CommandFacts } from '../../detectors/rules/facts.js';
import { parseRuleText } from '../../detectors/rules/parse-rule.js';
import { programsOnly } from '../../detectors/rules/requirements.js';
import { RuleIndex } from '../../detectors/rules/rule-index.js';
import { rulesCommand } from '../../forwarder/cli/rules-command.js';
import { fixtureIocs, record, truthSessions } from './helpers.js';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const validRule = (extra = '') => `id: my-rule
title: Test rule
severity: high
category: privilege-escalation
attack: [T1548.003]
match:
  program: su
${extra}tests:
  match: ["su"]
  no_match: ["ls"]
`;

describe('built-in rules', () => {
  it('ships the generated bundle in sync with the rule and data files', async () => {
    // @ts-expect-error plain .mjs helper without type declarations
    const { collectBuiltins } = await import('../../detectors/builtin/generate.mjs');
    const { rules, data } = collectBuiltins();
    expect(BUILTIN_RULES).toEqual(rules);
    expect(BUILTIN_IOCS).toEqual(data);
  });

  it('compiles from the values read at generation as from the texts, and tells a bad value with its lines', () => {
    const fromValues = compileRuleTexts(BUILTIN_RULES, []);
    const fromTexts = compileRuleTexts(
      BUILTIN_RULES.map(({ name, text }) => ({ name, text })),
      [],
    );
    const facts = (rules: CompiledRule[]) => rules.map(({ predicate, exceptions, ...rest }) => rest);
    expect(facts(fromValues)).toEqual(facts(fromTexts));
    expect(fromValues.length).toBe(BUILTIN_RULES.length);

    const text = validRule().replace('severity: high', 'severity: urgent');
    const problems: LoadProblem[] = [];
    expect(compileRuleTexts([{ name: 'x.yml', text, value: { id: 'my-rule', severity: 'urgent' } }], problems)).toEqual(
      [],
    );
    expect(problems).toEqual(parseRuleText('x.yml', text).problems);
    expect(problems[0]).toMatchObject({ source: 'x.yml', line: 3 });
  });

  it('has at least 5 match and 5 no_match examples in every rule, and all of them pass', () => {
    const results = runRuleTests(BUILTIN_RULES);
    expect(results.length).toBeGreaterThanOrEqual(30);
    for (const r of results) {
      expect(r.problems, r.source).toEqual([]);
      expect(r.failures, r.source).toEqual([]);
    }
    for (const { name, text } of BUILTIN_RULES) {
      const { parsed } = parseRuleText(name, text);
      expect(parsed?.rule.tests.match.length, name).toBeGreaterThanOrEqual(5);
      expect(parsed?.rule.tests.no_match.length, name).toBeGreaterThanOrEqual(5);
    }
  });

  it('covers every category of DESIGN.md', () => {
    const { engine } = createEngine({});
    const categories = new Set(engine.rules.map((r) => r.category));
    for (const c of [
      'privilege-escalation',
      'ioc-contact',
      'crypto-mining',
      'reverse-shell',
      'download-execute',
      'credential-access',
      'persistence',
      'defense-evasion',
      'discovery',
      'lateral-movement',
    ]) {
      expect(categories).toContain(c);
    }
  });

  it('lints clean', () => {
    expect(lintRuleTexts(BUILTIN_RULES)).toEqual([]);
  });
});

describe('rule index', () => {
  const rules = compileRuleTexts(BUILTIN_RULES, []);
  const index = new RuleIndex(rules);
  const testIocs = BUILTIN_RULES.flatMap(({ name, text }) => parseRuleText(name, text).parsed?.rule.tests.iocs ?? []);
  const { engine } = createEngine({ iocTexts: [...fixtureIocs(), { name: 'test.txt', text: testIocs.join('\n') }] });
  const examples = BUILTIN_RULES.flatMap(({ name, text }) => {
    const tests = parseRuleText(name, text).parsed!.rule.tests;
    return [...tests.match, ...tests.no_match].map((t) => (typeof t === 'string' ? { command: t, before: [] } : t));
  });
  const fixtureLines = truthSessions().flatMap(({ truth }) => truth.commands.map((c) => c.command));

  /** The analysed commands of a line (after the lines before it), each with the rules that match it. */
  function matches(before: string[], line: string): { cmd: AnalysedCommand; matching: CompiledRule[] }[] {
    const state = new SessionState();
    const options = { knownPrograms: index.knownPrograms };
    for (const b of before) analyzeLine(b, state, options);
    const analysis = analyzeLine(line, state, options);
    const env = { iocs: engine.iocs, lines: [line, ...analysis.decoded] };
    return analysis.commands.map((cmd) => ({
      cmd,
      matching: rules.filter((r) => r.predicate(new CommandFacts(cmd), env, [])),
    }));
  }

  /** Every rule that matches a command is among its candidates (a wrapper is seen only by rules naming it). */
  function expectNoneHidden(before: string[], line: string): number {
    let pruned = 0;
    for (const { cmd, matching } of matches(before, line)) {
      const candidates = index.candidates(new CommandFacts(cmd));
      for (const rule of matching) {
        if (cmd.wrapper && !programsOnly(rule.requirements)) continue;
        expect(candidates, `${rule.id} on ${JSON.stringify(cmd.text)} (${line})`).toContain(rule);
      }
      pruned += rules.length - candidates.length;
    }
    return pruned;
  }

  it("offers a command every rule that matches it, on the rules' own examples and the fixture sessions", () => {
    let pruned = 0;
    for (const { command, before } of examples) pruned += expectNoneHidden(before, command);
    for (const line of fixtureLines) pruned += expectNoneHidden([], line);
    expect(pruned).toBeGreaterThan(examples.length * 20); // most rules never run on most commands
  });

  it('offers every matching rule on lines recombined from those examples', () => {
    const words = [...new Set([...examples.map((e) => e.command), ...fixtureLines].flatMap((l) => l.split(/\s+/)))];
    const line = fc
      .array(fc.oneof(fc.constantFrom(...words), fc.constantFrom('|', '>', '>>', ';', 'sudo', '-c', '&&')), {
        minLength: 1,
        maxLength: 8,
      })
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(line, (l) => {
        expectNoneHidden([], l);
      }),
      { numRuns: 400 },
    );
  });

  it('gives a command only the rules that can match it', () => {
    const ids = (line: string) =>
      analyzeLine(line, new SessionState()).commands.flatMap((cmd) =>
        index.candidates(new CommandFacts(cmd)).map((r) => r.id),
      );
    expect(ids('uptime')).toEqual([]);
    // `echo` names files but is excluded by the key-file rule; nothing here writes a file or contacts a host
    expect(ids('echo ~/.aws/credentials')).not.toContain('sw-cred-key-files');
    expect(ids('cat ~/.aws/credentials')).toContain('sw-cred-key-files');
    expect(ids('cat ~/.aws/credentials').filter((id) => id.startsWith('sw-persistence'))).toEqual([]);
    expect(ids('echo x >> ~/.bashrc')).toContain('sw-persistence-shell-startup');
  });

  it('runs the rules for the program first, then those for any program, then those for destinations', () => {
    const command = 'curl http://169.254.169.254/latest/meta-data/iam/security-credentials/xmrig > ~/.bashrc';
    const detections = engine
      .session({ sessionId: 's' })
      .analyze(record(command, 1, { sessionId: 's', cwd: null, host: null, instanceId: null }));
    expect(detections.map((d) => d.ruleId)).toEqual([
      'sw-crypto-miner-download',
      'sw-persistence-shell-startup',
      'sw-cred-instance-metadata',
    ]);
  });
});

describe('rule format', () => {
  it('names the file and line of a schema error', () => {
    const text = validRule().replace('severity: high', 'severity: extreme');
    const { parsed, problems } = parseRuleText('rules/x.yml', text);
    expect(parsed).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ source: 'rules/x.yml', line: 3 });
    expect(problems[0]!.message).toContain('severity');
  });

  it('names the line of a YAML syntax error', () => {
    const { problems } = parseRuleText('bad.yml', 'id: x\ntitle: [unclosed\nseverity: high\n');
    expect(problems[0]?.source).toBe('bad.yml');
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects unknown fields in match', () => {
    const { problems } = parseRuleText('x.yml', validRule().replace('  program: su', '  program: su\n  progam: sudo'));
    expect(problems[0]?.line).toBe(8);
    expect(problems[0]?.message).toMatch(/progam/);
  });

  it('rejects a catastrophic regex with its line', () => {
    const text = validRule().replace('  program: su', () => "  program: su\n  arg_regex: '(a+)+$'");
    const { parsed, problems } = parseRuleText('redos.yml', text);
    expect(parsed).toBeNull();
    expect(problems).toEqual([
      { source: 'redos.yml', line: 8, message: expect.stringContaining('nested quantifiers') },
    ]);
  });

  it('rejects an unknown ATT&CK id and accepts v18 and v19 renumberings', () => {
    const { problems } = parseRuleText('x.yml', validRule().replace('[T1548.003]', '[T1548.003, T9999]'));
    expect(problems).toEqual([{ source: 'x.yml', line: 5, message: expect.stringContaining('T9999') }]);
    expect(attackTag('T1562.001')).toEqual({ id: 'T1562.001', versions: ['18'] });
    expect(attackTag('t1685.006')).toEqual({ id: 'T1685.006', versions: ['19'] });
    expect(attackTag('attack.t1070.003')).toEqual({ id: 'T1070.003', versions: ['18', '19'] });
    expect(attackTag('T1070.002')?.versions).toEqual(['18']);
  });

  it('checks the attack_version a rule declares', () => {
    const { problems } = parseRuleText(
      'x.yml',
      validRule().replace('[T1548.003]', '[T1562.001]\nattack_version: "19"'),
    );
    expect(problems[0]?.message).toContain('not an ATT&CK v19 id');
  });

  it('reports a failing embedded test', () => {
    const [result] = runRuleTests([
      { name: 'x.yml', text: validRule().replace('no_match: ["ls"]', 'no_match: ["su -"]') },
    ]);
    expect(result?.failures).toEqual([{ expectation: 'no_match', command: 'su -' }]);
  });
});

describe('sessionwatch rules', () => {
  it('rules test runs every built-in rule and all pass', async () => {
    const out = sink();
    const err = sink();
    const code = await rulesCommand(['test'], { stdout: out.stream, stderr: err.stream });
    expect(err.text()).toBe('');
    expect(code).toBe(0);
    expect(out.text()).toMatch(/\n\d+ rules, \d+ passed, 0 failed\n$/);
    expect(out.text()).toContain('✓ sw-privesc-root-shell');
  });

  it('rules lint rejects (a+)+$ and an unknown ATT&CK id, naming file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-lint-'));
    writeFileSync(
      join(dir, 'redos.yml'),
      validRule().replace('  program: su', () => "  program: su\n  arg_regex: '(a+)+$'"),
    );
    writeFileSync(
      join(dir, 'attack.yml'),
      validRule().replace('my-rule', 'other-rule').replace('[T1548.003]', '[T1234.999]'),
    );
    const out = sink();
    const code = await rulesCommand(['lint', dir], { stdout: out.stream, stderr: sink().stream });
    expect(code).toBe(1);
    expect(out.text()).toContain(`${join(dir, 'redos.yml')}:8: match.arg_regex: nested quantifiers`);
    expect(out.text()).toContain(`${join(dir, 'attack.yml')}:5: attack: unknown ATT&CK technique id T1234.999`);
  });

  it('rules lint passes the built-in rules', async () => {
    const out = sink();
    expect(await rulesCommand(['lint'], { stdout: out.stream, stderr: sink().stream })).toBe(0);
  });

  it('rules new writes a skeleton that lints and tests clean, and refuses to overwrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-new-'));
    const out = sink();
    expect(
      await rulesCommand(['new', 'my-detection', '--dir', dir, '--category', 'persistence'], {
        stdout: out.stream,
        stderr: sink().stream,
      }),
    ).toBe(0);
    const texts = await loadRuleDirs([dir]);
    expect(texts.map((t) => t.name)).toEqual([join(dir, 'my-detection.yml')]);
    expect(lintRuleTexts(texts)).toEqual([]);
    expect(await rulesCommand(['test', dir], { stdout: sink().stream, stderr: sink().stream })).toBe(0);
    const err = sink();
    expect(
      await rulesCommand(['new', 'my-detection', '--dir', dir], { stdout: sink().stream, stderr: err.stream }),
    ).toBe(2);
    expect(err.text()).toContain('exists');
  });

  it('exits 2 on bad usage', async () => {
    expect(await rulesCommand([], { stdout: sink().stream, stderr: sink().stream })).toBe(2);
    expect(await rulesCommand(['frobnicate'], { stdout: sink().stream, stderr: sink().stream })).toBe(2);
    expect(await rulesCommand(['test', '/nonexistent/dir'], { stdout: sink().stream, stderr: sink().stream })).toBe(2);
  });
});
