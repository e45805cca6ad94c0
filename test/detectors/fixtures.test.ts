// Acceptance: every label of the fixture sessions is raised with its category on its command, and nothing is
// raised on the unlabelled commands.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../detectors/index.js';
import { fixtureIocs, record, truthSessions } from './helpers.js';

describe('fixture sessions', () => {
  const { engine, problems } = createEngine({ iocTexts: fixtureIocs() });

  it('loads the built-in rules and the fixture IOCs without problems', () => {
    expect(problems).toEqual([]);
    expect(engine.rules.length).toBeGreaterThanOrEqual(30);
  });

  const sessions = truthSessions();
  it('has fixture sessions to check', () => {
    expect(sessions.length).toBeGreaterThanOrEqual(6);
  });

  for (const { file, truth } of sessions) {
    it(`raises exactly the labelled categories in ${file}`, () => {
      const session = engine.session({
        sessionId: truth.sessionId,
        instanceId: truth.instanceId,
        account: truth.account,
        principalArn: truth.principal,
      });
      truth.commands.forEach((c, i) => {
        const detections = session.analyze(
          record(c.command, i + 1, { sessionId: truth.sessionId, instanceId: truth.instanceId, user: truth.runAsUser }),
        );
        const categories = new Set(detections.map((d) => d.category));
        if (c.labels.length === 0) {
          expect(detections.map((d) => `${d.ruleId}: ${c.command}`)).toEqual([]);
        }
        for (const label of c.labels) expect([...categories], `${label} on ${c.command}`).toContain(label);
      });
    });
  }
});
