import { describe, expect, it } from 'vitest';
import { recordPartial } from '../../../functions/src/calls/partialSpeech';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { nextPartial } from '../../../functions/src/core/partialSpeech';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';

describe('nextPartial', () => {
  const shown = { gather: 'g2', sequence: 3, text: 'there is a' };
  it.each([
    ['nothing shown yet', null, { gather: 'g2', sequence: 1, text: 'x' }, true],
    [
      'a newer result of the same Gather',
      shown,
      { gather: 'g2', sequence: 4, text: 'there is a fire' },
      true,
    ],
    ['an older result arriving late', shown, { gather: 'g2', sequence: 2, text: 'there' }, false],
    ['a result of an earlier Gather', shown, { gather: 'g1', sequence: 9, text: 'old' }, false],
    ['the first result of a later Gather', shown, { gather: 'g3', sequence: 1, text: 'new' }, true],
    [
      'a result after the turn closed its Gather',
      { gather: 'g2', closed: true },
      { gather: 'g2', sequence: 9, text: 'late' },
      false,
    ],
  ])('%s: replaces = %s', (_, current, incoming, replaces) => {
    expect(nextPartial(current, incoming) !== undefined).toBe(replaces);
  });
});

describe('recordPartial', () => {
  it('shows what the caller is saying, then the turn closes it', async () => {
    const { deps, live } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    const gather = '0000000aaaa';
    expect(
      await recordPartial(
        { callSid: callSid(1), callHint: CALL_ID, gather, sequence: 1, text: 'there is' },
        deps,
      ),
    ).toBe('recorded');
    expect(
      await recordPartial(
        { callSid: callSid(1), gather, sequence: 2, text: 'there is a fire' },
        deps,
      ),
    ).toBe('recorded');
    expect(
      await recordPartial({ callSid: callSid(1), gather, sequence: 1, text: 'there is' }, deps),
    ).toBe('stale');
    expect(await live.get(`active_conversations/${CONV_ID}/partial`)).toEqual({
      gather,
      sequence: 2,
      text: 'there is a fire',
    });

    await takeTurn(
      { callSid: callSid(1), speech: 'there is a fire', silentTurns: 0, callHint: CALL_ID, gather },
      deps,
    );
    expect(await live.get(`active_conversations/${CONV_ID}/partial`)).toEqual({
      gather,
      closed: true,
    });
    expect(
      await recordPartial(
        { callSid: callSid(1), gather, sequence: 3, text: 'there is a fire in' },
        deps,
      ),
    ).toBe('stale');
  });

  it('writes nothing for an unknown call', async () => {
    const { deps, live } = memoryDeps();
    expect(
      await recordPartial({ callSid: callSid(7), gather: 'g', sequence: 1, text: 'hello' }, deps),
    ).toBe('unknown-call');
    expect(live.tree).toEqual({});
  });
});
