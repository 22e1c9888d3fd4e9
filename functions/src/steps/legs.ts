/**
 * A conference's human legs as the transcript and Twilio have them: the line for a leg that
 * ended, and the safety net of the leaving rule, which checks with Twilio the legs the record
 * still counts as the caller's company. Shared by the legs' own callbacks (calls/voiceLegs.ts),
 * the conference's (calls/conferenceEvents.ts) and the sweeper's re-check (calls/sweepCalls.ts).
 */
import type { LiveCall } from '@aurora/model';
import { joinedLegs, legEndedNote } from '../core/conference';
import type { Deps } from '../ports';
import { type ConferenceChanged, changeConference, endIfCallerAlone } from './conference';
import { noteOnCall } from './listening';

/** The transcript's line for a leg that ended: who, how, and who the caller is with now (never the one who went). */
export async function noteEnded(
  deps: Deps,
  { after }: ConferenceChanged,
  legSid: string,
): Promise<void> {
  const member = after.conference?.members?.[legSid];
  if (!member || member.state === 'ringing' || member.state === 'joined') return;
  await noteOnCall(deps, after, [['system', legEndedNote(member, member.state, after)]]);
}

/**
 * The safety net of the leaving rule, for the caller's join and the scheduled sweeper: each human
 * leg recorded as in the conference is checked with Twilio (voice.status), one whose call has
 * ended is recorded left, and the leaving rule is applied. Throws when it could not be applied,
 * so the sweeper tries again on its next run.
 */
export async function recheckCallerCompany(
  deps: Deps,
  callId: string,
  start: LiveCall,
): Promise<void> {
  await endIfCallerAlone(deps, callId, await settleEndedLegs(deps, callId, start));
}

/**
 * Each human leg recorded as in the conference, checked with Twilio (voice.status): one whose call
 * has ended is recorded left, and noted. A Twilio that cannot be asked counts the leg as live, as
 * the record says. Resolves the call as it is after.
 */
export async function settleEndedLegs(
  deps: Deps,
  callId: string,
  start: LiveCall,
): Promise<LiveCall> {
  let call = start;
  for (const [leg] of joinedLegs(call.conference)) {
    const status = await deps.voice.status(leg).catch((err: unknown) => {
      deps.log.error('could not ask Twilio about a conference leg', { callId, error: String(err) });
      return 'live' as const;
    });
    if (status === 'live') continue;
    const left = await changeConference(deps, callId, { kind: 'ended', leg, outcome: 'left' });
    if (!left) continue;
    call = left.after;
    await noteEnded(deps, left, leg);
  }
  return call;
}
