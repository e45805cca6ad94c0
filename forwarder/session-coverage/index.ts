/** Transcript coverage and unrecorded sessions: the public API (see docs/blind-spots.md). */
export { COVERAGE_RULES, coverageAlert, sessionAlert } from './alerts.js';
export { type CoverageCheckDeps, type CoverageCheckReport, runCoverageCheck } from './check.js';
export { cloudTrailRecords, readCloudTrailInput } from './cloudtrail-input.js';
export {
  type AllowEntry,
  type CoverageConfig,
  CoverageConfigError,
  coverageConfigFromEnv,
  DEFAULT_COVERAGE_CONFIG,
  documentKind,
  PORT_DOCUMENTS,
  parseCoverageConfig,
} from './config.js';
export { DynamoDbRaisedStore, DynamoDbSessionIndex, DynamoDbTranscriptIndex } from './dynamodb-stores.js';
export { type CoverageFinding, evaluateSession } from './evaluate.js';
export { indexForCoverage } from './index-session.js';
export {
  observeCommand,
  observeSession,
  observeTranscriptEvent,
  type TranscriptObservation,
  type TranscriptObservations,
} from './observations.js';
export { readTranscriptObservations } from './read-transcripts.js';
export {
  collapseObservations,
  MemoryRaisedStore,
  MemorySessionIndex,
  MemoryTranscriptIndex,
  noteObservations,
  type RaisedStore,
  type SessionIndex,
  type TranscriptIndex,
} from './stores.js';
export { UNRECORDED_RULE_ID, unrecordedSessionAlert } from './unrecorded.js';
