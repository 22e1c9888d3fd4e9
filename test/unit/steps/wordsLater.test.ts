import { paths } from '@aurora/model';
import { describe, expect, it } from 'vitest';
import { linesOf } from '../../../functions/src/steps/wordsLater';

const CONV_ID = 'conv_15550100001_20251004_143000';
const line = (content: string) => ({ role: 'assistant', content, timestamp: 't', sources: '' });

describe('linesOf', () => {
  it('gives the lines in the order their keys were made, as the database orders them (by code unit)', () => {
    // Keys made in one millisecond, whose tails run across 'Z', '_' and 'a' (core/ids.ts
    // PUSH_CHARS): localeCompare would put '_' before 'Y' and 'a' before 'Z'.
    const tails = ['Y', 'Z', '_', 'a'];
    const made = tails.map((tail) => `-OaiRku-c-WyxGbiQzS${tail}`);
    const writes = Object.fromEntries(
      made.map((key, i) => [paths.message(CONV_ID, key), line(`line ${i}`)]),
    );
    const shuffled = [made[2]!, made[0]!, made[3]!, made[1]!];
    expect(linesOf(writes, CONV_ID, shuffled).map((l) => l.content)).toEqual([
      'line 0',
      'line 1',
      'line 2',
      'line 3',
    ]);
  });
});
