import { createEngine, type Engine, type LoadProblem, loadRuleDirs } from '../../detectors/index.js';
import type { ObjectReader } from '../sources/inputs.js';
import { loadTexts } from '../sources/load-texts.js';

export interface EngineSources {
  /** IOC files (plain, URLhaus, Feodo, STIX, MISP), local or s3://. */
  iocs?: readonly string[];
  /** Directories or files of YAML rules (local), or s3:// rule files. */
  rules?: readonly string[];
  /** Directories of SigmaHQ rules. */
  sigma?: readonly string[];
}

/** Builds the detection engine from rule and IOC sources; problems (a rule that did not load) are returned. */
export async function loadEngine(
  sources: EngineSources,
  objects: () => ObjectReader,
): Promise<{ engine: Engine; problems: LoadProblem[] }> {
  const [iocTexts, ruleTexts, sigmaTexts] = await Promise.all([
    loadTexts(sources.iocs ?? [], objects),
    loadSplit(sources.rules ?? [], objects),
    loadRuleDirs([...(sources.sigma ?? [])]),
  ]);
  return createEngine({ iocTexts, ruleTexts, sigmaTexts });
}

async function loadSplit(locations: readonly string[], objects: () => ObjectReader) {
  const remote = locations.filter((l) => l.startsWith('s3://'));
  const local = locations.filter((l) => !l.startsWith('s3://'));
  return [...(await loadRuleDirs(local)), ...(await loadTexts(remote, objects))];
}
