/**
 * Phonetic matching when Double Metaphone cannot be loaded (an ESM-only package that `require`
 * refuses on a Node before 22.12): triage goes on without it, and the failure is logged once.
 */
import { describe, expect, it } from 'vitest';
import { phonetics, type Metaphone } from '../../../functions/src/assistant/speech';

/** A log that keeps what it was told. */
function recordingLog() {
  const lines: Array<{ message: string; data?: object }> = [];
  return { lines, error: (message: string, data?: object) => void lines.push({ message, data }) };
}

describe('phonetic matching', () => {
  it('says once, with the cause, that Double Metaphone did not load, then matches nothing by sound without trying again', () => {
    const log = recordingLog();
    let loads = 0;
    const soundsLike = phonetics({
      loadMetaphone: () => {
        loads++;
        throw Object.assign(
          new Error('require() of ES Module double-metaphone/index.js not supported'),
          { code: 'ERR_REQUIRE_ESM' },
        );
      },
      log,
    });
    expect(soundsLike('fayer', 'fire')).toBe(false);
    expect(soundsLike('fayer', 'fire')).toBe(false);
    expect(soundsLike('explosian', 'explosion')).toBe(false);
    expect(loads).toBe(1);
    expect(log.lines).toEqual([
      {
        message:
          'Phonetic matching is off on this instance: misheard words are no longer matched by sound',
        data: { error: 'require() of ES Module double-metaphone/index.js not supported' },
      },
    ]);
  });

  it('loads Double Metaphone once, on the first comparison that needs it, and logs nothing when it works', () => {
    const log = recordingLog();
    let loads = 0;
    const sameCode: Metaphone = () => ['FR', 'FR'];
    const soundsLike = phonetics({ loadMetaphone: () => (loads++, sameCode), log });
    expect(soundsLike('fire', 'fire')).toBe(false); // too short to ask
    expect(loads).toBe(0);
    expect(soundsLike('fayer', 'fire')).toBe(true);
    expect(soundsLike('fiyer', 'fire')).toBe(true);
    expect(loads).toBe(1);
    expect(log.lines).toEqual([]);
  });
});
