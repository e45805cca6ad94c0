/**
 * `sessionwatch rules test [DIR]`, `sessionwatch rules lint [DIR]`, `sessionwatch rules new NAME`: tools for rule
 * authors. Without DIR, test and lint work on the built-in rules.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_RULES } from '../../detectors/builtin/bundle.generated.js';
import { lintRuleTexts, loadRuleDirs, runRuleTests } from '../../detectors/index.js';
import { CATEGORIES } from '../../detectors/model.js';
import { colourEnabled, type Palette, palette } from './colour.js';

export const RULES_HELP = `Usage: sessionwatch rules test [DIR]     run the match/no_match tests embedded in every rule
       sessionwatch rules lint [DIR]     check rule files: schema, ATT&CK ids, regex safety, tests present
       sessionwatch rules new NAME [--dir DIR] [--category CATEGORY]
                                         write NAME.yml, a rule skeleton with tests to fill in

Without DIR, test and lint check the built-in rules. DIR is read recursively for *.yml and *.yaml.
Categories: ${CATEGORIES.join(', ')}.
Options: --no-color (also when NO_COLOR is set or stdout is not a terminal), -h/--help.
Exit codes: 0 all good, 1 a test failed or a rule has problems, 2 bad usage or unreadable directory.

Examples:
  sessionwatch rules new curl-to-paste-site --dir my-rules --category ioc-contact
  sessionwatch rules test my-rules
  sessionwatch rules lint my-rules
  sessionwatch scan ./transcripts --rules my-rules
`;

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

async function readRules(dir: string | undefined): Promise<{ name: string; text: string }[]> {
  if (!dir) return BUILTIN_RULES;
  return loadRuleDirs([dir]);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function location(p: { source: string; line?: number }): string {
  return p.line ? `${p.source}:${p.line}` : p.source;
}

async function testRules(dir: string | undefined, io: Io, colours: Palette): Promise<number> {
  const ok = colours.pass('✓');
  const bad = colours.fail('✗');
  const texts = await readRules(dir);
  const results = runRuleTests(texts);
  let passed = 0;
  let failed = 0;
  let broken = 0;
  for (const r of results) {
    passed += r.passed;
    failed += r.failures.length;
    if (!r.ruleId || r.problems.length > 0) {
      broken++;
      for (const p of r.problems) io.stdout.write(`${bad} ${location(p)}: ${p.message}\n`);
      continue;
    }
    if (r.failures.length === 0) {
      io.stdout.write(`${ok} ${r.ruleId} (${plural(r.passed, 'test')})\n`);
      continue;
    }
    io.stdout.write(
      `${bad} ${r.ruleId} (${r.source}): ${r.failures.length} of ${r.passed + r.failures.length} tests failed\n`,
    );
    for (const f of r.failures)
      io.stdout.write(`    expected ${f.expectation === 'match' ? 'a match' : 'no match'}: ${f.command}\n`);
  }
  const rules = results.length;
  io.stdout.write(
    `\n${plural(rules, 'rule')}, ${passed} passed, ${failed} failed${broken ? `, ${plural(broken, 'rule')} not loaded` : ''}\n`,
  );
  return failed > 0 || broken > 0 ? 1 : 0;
}

async function lintRules(dir: string | undefined, io: Io): Promise<number> {
  const texts = await readRules(dir);
  const problems = lintRuleTexts(texts);
  for (const p of problems) io.stdout.write(`${location(p)}: ${p.message}\n`);
  const bad = new Set(problems.map((p) => p.source)).size;
  io.stdout.write(
    `${plural(texts.length, 'rule file')}, ${bad} with problems, ${plural(problems.length, 'problem')}\n`,
  );
  return problems.length > 0 ? 1 : 0;
}

function skeleton(name: string, category: string): string {
  return `id: ${name}
title: "Describe what the rule detects"
description: >-
  Why this matters and what an analyst should check.
severity: medium
category: ${category}
attack: []
author: you
status: experimental
match:
  program: [example-program]
  args: ['--dangerous-flag*']
exceptions: []
tests:
  match:
    - "example-program --dangerous-flag"
  no_match:
    - "example-program --help"
`;
}

async function newRule(name: string | undefined, dir: string, category: string, io: Io): Promise<number> {
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$/.test(name)) {
    io.stderr.write('rules new: NAME must be 3-100 letters, digits, dots, dashes or underscores\n');
    return 2;
  }
  if (!(CATEGORIES as readonly string[]).includes(category)) {
    io.stderr.write(`rules new: unknown category ${category} (one of ${CATEGORIES.join(', ')})\n`);
    return 2;
  }
  const file = join(resolve(dir), `${name}.yml`);
  if (existsSync(file)) {
    io.stderr.write(`rules new: ${file} exists; not overwriting\n`);
    return 2;
  }
  await mkdir(resolve(dir), { recursive: true });
  await writeFile(file, skeleton(name, category));
  io.stdout.write(`wrote ${file}\nedit match: and the tests, then run: sessionwatch rules test ${dir}\n`);
  return 0;
}

export async function rulesCommand(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`rules: ${(err as Error).message}\n${RULES_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, arg, extra] = positionals;
  if (values.help || !sub) {
    (values.help ? io.stdout : io.stderr).write(RULES_HELP);
    return values.help ? 0 : 2;
  }
  if (extra !== undefined) {
    io.stderr.write(`rules ${sub}: unexpected argument ${extra}\n`);
    return 2;
  }
  try {
    switch (sub) {
      case 'test':
        return await testRules(arg, io, colours(io, values['no-color']));
      case 'lint':
        return await lintRules(arg, io);
      case 'new':
        return await newRule(arg, values.dir ?? '.', values.category ?? 'privilege-escalation', io);
      default:
        io.stderr.write(`rules: unknown subcommand ${sub}\n${RULES_HELP}`);
        return 2;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const message = e.code === 'ENOENT' ? `cannot read ${e.path ?? arg}: no such file or directory` : e.message;
    io.stderr.write(`rules ${sub}: ${message}\n`);
    return 2;
  }
}

/** ✓ green and ✗ red on a terminal (never with NO_COLOR or --no-color). */
function colours(io: Io, noColor: boolean): Palette {
  return palette(colourEnabled({ stdout: io.stdout, env: io.env ?? {} }, noColor));
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      category: { type: 'string' },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
