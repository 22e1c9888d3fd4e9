import { taskIds } from '@aurora/model/tasks';
import { decideStatus, isTerminal } from '../core/callState';
import { paths, siteIso } from '@aurora/model';
import type { Timings } from '../core/log';
import type { Deps } from '../ports';
import { enqueueArchive } from '../steps/archiving';
import { recordCallerHungUp } from '../steps/conference';
import { prefixed } from '../steps/ending';
import { archiveFromCallback, recordLate } from '../steps/lateRecord';
import { findCallBySid, readCall } from '../steps/liveCalls';
import { retrying } from '../core/retry';

export type StatusCallback = {
  callSid: string;
  callStatus: string;
  durationSeconds?: number;
  from?: string;
};

/**
 * Twilio's status callback. The first terminal status ends the call and enqueues its archival;
 * repeats re-enqueue under the same task id (a no-op once queued); anything else changes nothing.
 * A call nothing was ever recorded for (its start could not be) is recorded now and archived
 * like any other; with the live database unreachable, it is archived from the callback alone.
 */
export async function handleStatus(
  callback: StatusCallback,
  deps: Deps,
  timings: Timings = {},
): Promise<string> {
  const { live, log } = deps;
  let mark = performance.now();
  const lap = (name: string) => {
    timings[name] = performance.now() - mark;
    mark = performance.now();
  };
  let found: Awaited<ReturnType<typeof findCallBySid>>;
  try {
    // A read that fails once must not end the call as if it had never been recorded: that wrote a
    // second archive for the CallSid and left the real call live, alarming after the caller had gone.
    found = await retrying(() => findCallBySid(live, callback.callSid, log), {
      attempts: 4,
      onRetry: (err, attempt) =>
        log.warn('could not read the call at its status callback: trying again', {
          callSid: callback.callSid,
          attempt,
          error: String(err),
        }),
    });
    // Recording late is retried too (each of its steps is idempotent): a read failing there once
    // archived a stand-in beside the call's own archive.
    found ??= await retrying(() => recordedLate(deps, callback));
  } catch (err) {
    if (!callback.from || !isTerminal(callback.callStatus)) throw err;
    log.error('live database unreachable at the end of a call: archiving from the callback', {
      error: String(err),
    });
    await archiveFromCallback(deps, {
      callSid: callback.callSid,
      from: callback.from,
      status: callback.callStatus,
      durationSeconds: callback.durationSeconds,
    });
    return 'archived-from-callback';
  }
  lap('lookup');
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  const decision = decideStatus(
    found?.call ?? null,
    callback.callStatus,
    nowIso,
    callback.durationSeconds,
  );
  switch (decision.kind) {
    case 'unknown-call':
      log.warn('status callback for an unknown or archived call', {
        callSid: callback.callSid,
        status: callback.callStatus,
      });
      return decision.kind;
    case 'not-terminal':
      return decision.kind;
    case 'end':
      await live.update(prefixed(paths.call(found!.callId), decision.fields));
      lap('write');
      // The caller's line ended while they were in the voice conference: they hung up. Recorded
      // (once, whichever callback comes first: calls/conferenceEvents.ts) before the archive reads the call.
      if (found!.call.conference?.caller_in) await recordCallerHungUp(deps, found!.callId);
      break;
    case 'already-ended':
      break;
  }
  await enqueueArchive(deps, found!.callId, taskIds.archive(found!.callId));
  lap('enqueue');
  return decision.kind;
}

/** The call recorded now, if this callback ends a call nothing was ever recorded for. */
async function recordedLate(deps: Deps, callback: StatusCallback) {
  if (!callback.from || !isTerminal(callback.callStatus)) return null;
  const startedAt = new Date(deps.clock().getTime() - (callback.durationSeconds ?? 0) * 1000);
  const callId = await recordLate(
    deps,
    { callSid: callback.callSid, from: callback.from },
    startedAt,
  );
  const call = callId ? await readCall(deps.live, callId, deps.log) : null;
  return callId && call ? { callId, call } : null;
}
