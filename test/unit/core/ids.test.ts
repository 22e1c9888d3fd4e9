import { describe, expect, it } from 'vitest';
import { callIds, keyOrder, messageKeyFactory } from '../../../functions/src/core/ids';

const at = new Date('2025-10-04T09:00:00Z');

describe('callIds', () => {
  it('follows the seed format with the digits of the number and the site time', () => {
    expect(callIds('+1 (234) 567-890', at, 'Asia/Kolkata')).toEqual({
      callId: 'call_1234567890_20251004_143000',
      conversationId: 'conv_1234567890_20251004_143000',
    });
  });

  it('makes a second call in the same second unique', () => {
    expect(callIds('+1234567890', at, 'Asia/Kolkata', 2).callId).toBe(
      'call_1234567890_20251004_143000_2',
    );
  });

  it('names withheld numbers', () => {
    expect(callIds('anonymous', at, 'UTC').callId).toBe('call_anonymous_20251004_090000');
  });
});

describe('messageKeyFactory', () => {
  it('makes keys that sort in the order they were made, even within one millisecond', () => {
    const next = messageKeyFactory();
    const keys = [next(1000), next(1000), next(1000), next(999), next(2000)];
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps two writers at the same millisecond apart', () => {
    const ai = messageKeyFactory(() => 0.1);
    const admin = messageKeyFactory(() => 0.9);
    expect(ai(5000)).not.toBe(admin(5000));
    expect(ai(5000).slice(0, 8)).toBe(admin(5000).slice(0, 8));
  });

  it('makes keys keyOrder sorts in the order they were made, across every character of the tail', () => {
    const next = messageKeyFactory(() => 0);
    const keys = Array.from({ length: 70 }, () => next(1000)); // the tail's last char runs '-' … 'z', '-'
    expect([...keys].reverse().sort(keyOrder)).toEqual(keys);
  });

  it('carries into the random tail when it is exhausted', () => {
    const next = messageKeyFactory(() => 0.999999);
    const first = next(1);
    const second = next(1);
    expect(second > first).toBe(true);
  });
});
