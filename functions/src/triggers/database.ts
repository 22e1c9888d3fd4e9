import type { Deps } from '../ports';
import { fanOutCall } from '../calls/fanOut';
import { CALL_ID_PATTERN } from '@aurora/model';
import { productionDeps } from './wiring';

/** The part of a Realtime Database write event the fan-out reads (a v2 onValueWritten event has it). */
export type CallWrittenEvent = {
  params: Record<string, string>;
  data: { before: { val(): unknown }; after: { val(): unknown } };
};

/**
 * active_calls/{callId} was written: fan it out to the admins. A failure throws, so a trigger
 * deployed with retry is delivered again; every step of the fan-out is idempotent.
 */
export function callWrittenHandler(makeDeps: () => Deps = productionDeps) {
  return async (event: CallWrittenEvent): Promise<void> => {
    const callId = event.params.callId ?? '';
    const deps = makeDeps();
    if (!CALL_ID_PATTERN.test(callId)) {
      deps.log.error('fan-out skipped a write to a key that is not a call id', {
        callId: callId.slice(0, 100),
      });
      return;
    }
    const result = await fanOutCall(
      { callId, before: event.data.before.val(), after: event.data.after.val() },
      deps,
    );
    if (result.alerts > 0 || result.escalation) deps.log.info('fanned out', { callId, ...result });
  };
}

export const handleCallWritten = callWrittenHandler();
