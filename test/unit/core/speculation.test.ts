import { describe, expect, it } from 'vitest';
import { answersTheSame, nextSpeculation, wordsOf } from '../../../functions/src/core/speculation';
import type { Speculation } from '@aurora/model';

describe('answersTheSame', () => {
  it.each([
    [
      'the same words',
      'There is a fire in the paint store',
      'there is a fire in the paint store',
      true,
    ],
    [
      'punctuation and case',
      'there is a fire, in the paint store!',
      'There is a fire in the paint store.',
      true,
    ],
    [
      'an opener and a hesitation',
      'um there is a fire in the paint store',
      'okay there is a fire in the paint store uh',
      true,
    ],
    ['a word at the end that is the point', 'I do not think', 'I do not think so', false],
    ['"okay" at the end', 'he is not', 'he is not okay', false],
    ['"you" at the end', 'I can not see', 'I can not see you', false],
    ['"please" at the end', 'send someone', 'send someone please', false],
    [
      'a word added at the end',
      'there is a fire in the paint',
      'there is a fire in the paint store',
      false,
    ],
    ['a negation', 'he is breathing', 'he is not breathing', false],
    [
      'a filler in the middle is a word',
      'there is a fire now in the store',
      'there is a fire in the store',
      false,
    ],
    ['a different word', 'there is a fire in zone a', 'there is a fire in zone b', false],
    ['nothing at all', 'um', 'um', false],
  ])('%s: %s', (_, speculated, final, same) => {
    expect(answersTheSame(speculated, final)).toBe(same);
  });

  it('keeps letters of every language', () => {
    expect(wordsOf('Es brennt! Hilfe, schnell.')).toEqual(['es', 'brennt', 'hilfe', 'schnell']);
    expect(answersTheSame('Não consigo respirar', 'não consigo respirar')).toBe(true);
  });
});

describe('nextSpeculation', () => {
  const at = '2025-10-04T14:30:00+05:30';
  const thinking: Speculation = {
    gather: 'g2',
    text: 'there is a fire',
    state: 'thinking',
    started_at: at,
  };
  const ready: Speculation = {
    ...thinking,
    state: 'ready',
    reply: { text: 'Leave now.', urgency: 'CRITICAL', sources: [] },
  };
  it.each([
    ['too few stable words', null, 'g2', 'there is', 'keep'],
    ['the first stable words of a Gather', null, 'g2', 'there is a fire', 'start'],
    [
      'one already in flight for the Gather',
      thinking,
      'g2',
      'there is a fire in the store',
      'keep',
    ],
    ['a finished one on the same words', ready, 'g2', 'There is a fire.', 'keep'],
    ['a finished one on other words', ready, 'g2', 'there is a fire in the store', 'start'],
    ['a later Gather', ready, 'g3', 'my arm is bleeding badly', 'start'],
    ['a late partial of an earlier Gather', thinking, 'g1', 'some old words here', 'keep'],
    [
      'a Gather its turn has answered',
      { ...thinking, state: 'used' as const },
      'g2',
      'there is a fire in the store',
      'keep',
    ],
  ])('%s: %s', (_, current, gather, stable, expected) => {
    expect(nextSpeculation(current, gather, stable)).toBe(expected);
  });
});
