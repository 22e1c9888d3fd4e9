import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../../functions/src/assistant/prompt';
import type { ResponderInput } from '../../../functions/src/assistant/responder';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';

describe('the prompt', () => {
  it('puts what every call shares first, so providers can cache it, and what changes after', () => {
    const input = (over: Partial<ResponderInput>): ResponderInput => ({
      utterance: 'there is a fire',
      caller: { workerId: 'worker_001', name: 'Priya Nair' },
      history: [],
      procedures: DEMO_PROCEDURES,
      ...over,
    });
    const a = buildPrompt(input({}), DEMO_PROCEDURES.slice(0, 1), 'en')[0].content;
    const b = buildPrompt(
      input({ caller: { workerId: 'worker_005', name: 'Lena Fischer' }, utterance: 'es brennt' }),
      DEMO_PROCEDURES.slice(1, 2),
      'de',
    )[0].content;
    let shared = 0;
    while (shared < a.length && a[shared] === b[shared]) shared++;
    const prefix = a.slice(0, shared);
    expect(prefix).toContain('Answer only with a JSON object');
    expect(prefix).not.toMatch(/Priya|German|English|Site procedures:/);
    expect(a.slice(shared)).toMatch(/Priya Nair[\s\S]*English[\s\S]*Site procedures:/);
  });
});
