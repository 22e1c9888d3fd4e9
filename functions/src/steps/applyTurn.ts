/**
 * Writing a turn that core/turnPlan.ts planned, only while the turn holds the call's marker.
 * A turn that may raise urgency first changes the call in a transaction, so urgency is raised
 * from the call as stored and the answer is recorded as what the call's holder now makes of it;
 * the messages and the cleared marker follow in one write. A write the database refuses for
 * the whole turn hands its lines to the recordWords queue (steps/wordsLater.ts): the caller's
 * words reach the transcript later, exactly once, rather than never.
 */
import { type LiveCall, siteIso } from '@aurora/model';
import { languageSwitchNote } from '../assistant/language';
import { retrying } from '../core/retry';
import { planTurn, type TurnChange, type TurnMessage } from '../core/turnPlan';
import type { Deps } from '../ports';
import { changeCall } from './liveCalls';
import { linesOf, recordWordsLater } from './wordsLater';

/** The call the turn opened: its id and its state then. */
export type OpenedCall = { callId: string; call: LiveCall };

/**
 * Resolves who held the call when a reply was written (`holder`, null when nobody did): the reply
 * is then recorded as one the caller may not have heard, and its speaker must not say it.
 */
export async function applyTurn(
  deps: Deps,
  opened: OpenedCall,
  messages: TurnMessage[],
  change: TurnChange,
): Promise<{ holder: string | null }> {
  const { callId } = opened;
  const now = deps.clock();
  const nowIso = siteIso(now, deps.settings.timeZone);
  const switchedTo = change.language?.switchedTo;
  const languageNote = switchedTo ? languageSwitchNote(switchedTo) : undefined;
  // Inside the transaction only the call's fields are wanted: no message keys are spent there.
  const planOn = (call: LiveCall, nextKey = () => '') =>
    planTurn({ callId, call, messages, change, nowIso, languageNote, nextKey });

  let stored = opened.call;
  try {
    if (change.urgency || change.settle) {
      // A purge under way has verified the archive: a change now would be lost with the call.
      const changed = await retrying(() =>
        changeCall(deps.live, callId, (current) =>
          current.purging ? undefined : planOn(current).callFields,
        ),
      );
      if (changed) stored = changed;
    }
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
  }
  // The keys the lines are written under: a line queued for later keeps its key (recordWordsLater).
  const keys: string[] = [];
  const { holder, writes } = planOn(stored, () => {
    const key = deps.messageKey(now.getTime());
    keys.push(key);
    return key;
  });
  if (holder) deps.log.warn('a supervisor took the call while Aurora was answering', { callId });
  try {
    // A write refused for a moment is tried again: these are the caller's words.
    // Six attempts span about five seconds: a database out for a few seconds does not lose them
    // (the webhook's deadline still answers the caller in time).
    await retrying(() => deps.live.update(writes), {
      attempts: 6,
      onRetry: (err) =>
        deps.log.warn('turn write failed: trying again', { callId, error: String(err) }),
    });
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
    // The database refused for the whole turn: its lines (the caller's words above all) are written
    // later by a task; the marker and the call's fields are not (replayed later they would undo newer state).
    await recordWordsLater(
      deps,
      {
        callId,
        callSid: opened.call.call_sid,
        lines: linesOf(writes, stored.conversation_id, keys),
      },
      'turn write failed',
    );
  }
  return { holder };
}
