/**
 * Writing a turn that core/turnPlan.ts planned, only while the turn holds the call's marker.
 * A turn that may raise urgency first changes the call in a transaction, so urgency is raised
 * from the call as stored and the answer is recorded as what the call's holder now makes of it;
 * the messages and the cleared marker follow in one write. A write the database refuses for
 * the whole turn hands its lines to the recordWords queue (steps/wordsLater.ts): the caller's
 * words reach the transcript later, exactly once, rather than never.
 */
import { type LiveCall, paths, siteIso, type Urgency } from '@aurora/model';
import { languageSwitchNote } from '../assistant/language';
import { retrying } from '../core/retry';
import { decidedOnStored, planTurn, type TurnChange, type TurnMessage } from '../core/turnPlan';
import type { Deps } from '../ports';
import { changeCall } from './liveCalls';
import { linesOf, recordWordsLater } from './wordsLater';

/** The call the turn opened: its id and its state then. */
export type OpenedCall = { callId: string; call: LiveCall };

/**
 * Resolves who held the call when a reply was written (`holder`, null when nobody did): the reply
 * is then recorded as one the caller may not have heard, and its speaker must not say it. And,
 * for a reply the Gather's TwiML says (`change.saidByTwiml`), the call as stored when the caller
 * had been moved into its conference meanwhile (`movedIn`): the TwiML is dropped, so the reply
 * is recorded as possibly unheard and is for the conference to hear.
 */
export async function applyTurn(
  deps: Deps,
  opened: OpenedCall,
  messages: TurnMessage[],
  change: TurnChange,
  /** When retries must stop (performance.now() time): a reply a caller waits for has a deadline. */
  { until }: { until?: number } = {},
): Promise<{ holder: string | null; movedIn: LiveCall | null }> {
  const { callId } = opened;
  const now = deps.clock();
  const nowIso = siteIso(now, deps.settings.timeZone);
  const switchedTo = change.language?.switchedTo;
  const languageNote = switchedTo ? languageSwitchNote(switchedTo) : undefined;
  // Inside the transaction only the call's fields are wanted: no message keys are spent there.
  const planOn = (call: LiveCall, nextKey = () => '') =>
    planTurn({ callId, call, messages, change, nowIso, languageNote, nextKey });

  let stored = opened.call;
  // The urgency this turn could not raise the call to (its transaction was refused): it goes with
  // the lines to the recordWords queue, which raises it later (a database out for seconds must not
  // leave "he's not breathing" NORMAL, unalarmed and unescalated).
  let unraised: Urgency | undefined;
  let refused = false;
  try {
    if (decidedOnStored(change)) {
      // A purge under way has verified the archive: a change now would be lost with the call.
      const changed = await retrying(
        () =>
          changeCall(deps.live, callId, (current) =>
            current.purging ? undefined : planOn(current).callFields,
          ),
        { until },
      );
      if (changed) stored = changed;
    }
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
    refused = true;
    const meant = planOn(opened.call).callFields.urgency as Urgency | undefined;
    if (meant && meant !== 'NORMAL') unraised = meant;
  }
  // The keys the lines are written under: a line queued for later keeps its key (recordWordsLater).
  const keys: string[] = [];
  const { holder, movedIn, writes } = planOn(stored, () => {
    const key = deps.messageKey(now.getTime());
    keys.push(key);
    return key;
  });
  // A silence's stamps (the call quiet since, its last message) were in the transaction only to
  // see the call as stored; refused with it, they go with the lines, as they need no stored call.
  if (refused && !change.urgency && !change.settle)
    for (const [field, value] of Object.entries(planOn(stored).callFields))
      writes[`${paths.call(callId)}/${field}`] = value;
  if (holder) deps.log.warn('a supervisor took the call while Aurora was answering', { callId });
  if (movedIn)
    deps.log.warn('the caller was moved into the conference while Aurora was answering', {
      callId,
    });
  const outcome = { holder, movedIn: movedIn ? stored : null };
  const later = () => ({
    callId,
    callSid: opened.call.call_sid,
    lines: linesOf(writes, stored.conversation_id, keys),
    ...(unraised ? { urgency: unraised } : {}),
  });
  try {
    // A write refused for a moment is tried again: these are the caller's words.
    // Six attempts span about five seconds: a database out for a few seconds does not lose them
    // (the webhook's deadline still answers the caller in time).
    await retrying(() => deps.live.update(writes), {
      attempts: 6,
      until,
      onRetry: (err) =>
        deps.log.warn('turn write failed: trying again', { callId, error: String(err) }),
    });
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
    // The database refused for the whole turn: its lines (the caller's words above all) are written
    // later by a task; the marker and the call's fields are not (replayed later they would undo newer
    // state), only the urgency, which only ever rises.
    await recordWordsLater(deps, later(), 'turn write failed');
    return outcome;
  }
  // The lines are written but the raise was refused: the same task raises it (it finds the lines there).
  if (unraised) await recordWordsLater(deps, later(), 'turn urgency raise failed');
  return outcome;
}
