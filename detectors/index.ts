/** The detection engine's public API. See docs/detection.md. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export { analyzeLine } from './analyze/analyzer.js';
export type { SessionSnapshot } from './analyze/session-state.js';
export { SessionState } from './analyze/session-state.js';
export type { AnalysedCommand, Destination, LineAnalysis } from './analyze/types.js';
export type { Engine, EngineOptions, RuleInfo, SessionAnalyzer, SessionContext } from './engine.js';
export { createEngine } from './engine.js';
export { IocSet } from './ioc/ioc-set.js';
export { detectIocFormat, loadIocText, refang } from './ioc/load.js';
export type { Category, Detection, Evidence, Severity } from './model.js';
export type { LoadProblem } from './problems.js';
export { lintRuleTexts, type RuleTestResult, runRuleTests } from './rules/test-runner.js';

const RULE_FILE = /\.ya?ml$/i;

/** Reads every `*.yml` / `*.yaml` file under the given directories (recursively), in a stable order. A path that is a
 * file is read as it is. */
export async function loadRuleDirs(dirs: string[]): Promise<{ name: string; text: string }[]> {
  const out: { name: string; text: string }[] = [];
  for (const dir of dirs) {
    if ((await stat(dir)).isFile()) {
      out.push({ name: dir, text: await readFile(dir, 'utf8') });
      continue;
    }
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && RULE_FILE.test(e.name))
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort();
    for (const file of files) out.push({ name: file, text: await readFile(file, 'utf8') });
  }
  return out;
}
