import { describe, expect, it } from 'vitest';
import { CallTaskBody, callTaskHandler } from '../../../functions/src/triggers/tasks';
import { AuroraError } from '../../../functions/src/core/errors';
import { memoryDeps } from '../../helpers/fakes';

function handlerThat(run: () => Promise<string>) {
  const { deps } = memoryDeps();
  const errors: string[] = [];
  deps.log = { info() {}, warn() {}, error: (message) => errors.push(message) };
  let runs = 0;
  const handle = callTaskHandler(
    'archiveCall',
    CallTaskBody,
    async () => (runs++, run()),
    () => deps,
  );
  return { handle, errors, runs: () => runs };
}

describe('callTaskHandler', () => {
  it.each([[null], [{}], [{ callId: 42 }], [{ callId: '../../etc' }]])(
    'drops the malformed payload %j without retrying',
    async (data) => {
      const { handle, errors, runs } = handlerThat(async () => 'ok');
      await expect(handle({ data })).resolves.toBeUndefined();
      expect(runs()).toBe(0);
      expect(errors).toEqual(['dropped a malformed task']);
    },
  );

  it('throws what a retry can cure, so Cloud Tasks retries', async () => {
    const { handle } = handlerThat(() => Promise.reject(new Error('firestore unavailable')));
    await expect(handle({ data: { callId: 'call_1_20250101_000000' } })).rejects.toThrow(
      'firestore unavailable',
    );
  });

  it('acknowledges a permanent failure', async () => {
    const { handle, errors } = handlerThat(() =>
      Promise.reject(new AuroraError('corrupt', { retryable: false })),
    );
    await expect(handle({ data: { callId: 'call_1_20250101_000000' } })).resolves.toBeUndefined();
    expect(errors).toEqual(['task failed for good']);
  });
});
