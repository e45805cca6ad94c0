import type { CommandRecord } from '../forwarder/commands/record.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = [
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
] as const;
export type Category = (typeof CATEGORIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What matched, for the analyst: the IOC, the pool URL, the unwrapped program, ... */
export interface Evidence {
  kind: 'ioc' | 'url' | 'host' | 'ip' | 'program' | 'argv' | 'pattern' | 'decoded' | 'sigma' | 'other';
  value: string;
  /** Where it came from, e.g. the IOC set name or the decoded layer. */
  detail?: string;
}

/** One rule firing on one command. */
export interface Detection {
  ruleId: string;
  title: string;
  description?: string;
  severity: Severity;
  category: Category;
  /** ATT&CK technique ids, e.g. T1548.003. */
  attack: string[];
  references?: string[];
  evidence: Evidence[];
}

export type { CommandRecord };
