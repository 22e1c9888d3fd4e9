import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';
import { parseModelReply, toSpeech } from '../../../functions/src/assistant/modelReply';
import { SAFETY_LINE } from '../../../functions/src/assistant/safety';
import { AuroraError } from '../../../functions/src/core/errors';

const fire = DEMO_PROCEDURES.find((p) => p.id === 'fire')!;
const json = (o: object) => JSON.stringify(o);

describe('parseModelReply', () => {
  it('accepts a valid answer and keeps only sources it was given', () => {
    const reply = parseModelReply(
      json({
        reply: 'Leave now by the nearest exit. Once safe, call emergency services.',
        urgency: 'CRITICAL',
        sources: [fire.title, 'Made Up Manual'],
        handoff: false,
      }),
      [fire],
      'NORMAL',
    );
    expect(reply).toEqual({
      text: 'Leave now by the nearest exit. Once safe, call emergency services.',
      urgency: 'CRITICAL',
      sources: [fire.title],
      handoff: false,
    });
  });

  it('never lets the model lower urgency below what the words call for', () => {
    expect(
      parseModelReply(
        json({ reply: 'Leave and call emergency services.', urgency: 'NORMAL' }),
        [],
        'CRITICAL',
      ).urgency,
    ).toBe('CRITICAL');
  });

  it('adds the safety line to a CRITICAL reply that lacks it', () => {
    expect(
      parseModelReply(json({ reply: 'Stay calm.', urgency: 'CRITICAL' }), [], 'NORMAL').text,
    ).toBe(`${SAFETY_LINE} Stay calm.`);
  });

  it('accepts JSON wrapped in a code fence', () => {
    expect(
      parseModelReply('```json\n{"reply":"Tell me more.","urgency":"NORMAL"}\n```', [], 'NORMAL')
        .text,
    ).toBe('Tell me more.');
  });

  it.each([
    ['prose instead of JSON', 'Sure! Here is what to do: run.'],
    ['JSON of the wrong shape', json({ answer: 'run', level: 'high' })],
    ['an unknown urgency', json({ reply: 'Run.', urgency: 'PANIC' })],
    ['an empty reply', json({ reply: '   ', urgency: 'NORMAL' })],
    ['a reply that is only markup', json({ reply: '** ## **', urgency: 'NORMAL' })],
  ])('rejects %s', (_, raw) => {
    expect(() => parseModelReply(raw, [], 'NORMAL')).toThrow(AuroraError);
  });
});

describe('toSpeech', () => {
  it('turns markdown and lists into at most three spoken sentences', () => {
    expect(
      toSpeech('**Evacuate now.**\n- Go to the gate.\n- Call 911.\n- Wait for the warden.\n# Done'),
    ).toBe('Evacuate now. Go to the gate. Call 911.');
  });

  it('keeps a sentence without final punctuation', () => {
    expect(toSpeech('Move upwind')).toBe('Move upwind');
  });
});
