/** What the escalation of a CRITICAL call (calls/escalateCall.ts) and the delivery of its texts (calls/messageStatus.ts) both ask of a call. */
import { isAcknowledged, type LiveCall } from '@aurora/model';

/**
 * An escalation under way goes on until every recipient has the text, unless someone has the call
 * in hand; the delivery fallback (messageStatus.ts) asks the same before phoning.
 */
export const escalationStillNeeded = (call: LiveCall) => !call.purging && !isAcknowledged(call);

/** The caller as texts and pushes name them: worker id and number, or the number alone. */
export const callerOf = (call: LiveCall) =>
  call.worker_id === 'unknown' ? call.mobile_no : `${call.worker_id} (${call.mobile_no})`;
