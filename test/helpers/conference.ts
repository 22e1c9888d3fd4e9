/** A live call driven into its voice conference through the real use cases over the in-memory fakes (issue 24). */
import { conferenceEvent, rejoin } from '../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../functions/src/calls/controlCall';
import { startCall } from '../../functions/src/calls/startCall';
import { browserLeg, legPress, legStatus } from '../../functions/src/calls/voiceLegs';
import { conferenceName } from '../../functions/src/core/conference';
import { type LiveCall, LiveCall as LiveCallSchema, orderedMessages } from '@aurora/model';
import type { LiveConversation } from '@aurora/model';
import { memoryDeps } from './fakes';
import { callSid } from './fixtures';

export const CALL_ID = 'call_15550100001_20251004_143000';
export const CONV_ID = 'conv_15550100001_20251004_143000';
export const NAME = conferenceName(CALL_ID);
/** The caller's call. */
export const CALLER = callSid(1);
/** Two supervisors: Ana has a phone registered, Ben has none. */
export const ANA = { id: 'ana@site.example', uid: 'uid_ana' };
export const BEN = { id: 'ben@site.example', uid: 'uid_ben' };
export const ANA_PHONE = '+15550170001';
/** Their browsers' legs. */
export const ANA_BROWSER = callSid(0xb1);
export const BEN_BROWSER = callSid(0xb2);
/** The conference's sid, as Twilio reports it. */
export const CONFERENCE = `CF${'f'.repeat(32)}`;

export async function conferenceCall() {
  const world = memoryDeps();
  const { deps, live, voice } = world;
  await live.update({
    admins: {
      [ANA.uid]: { email: ANA.id, phone: ANA_PHONE },
      [BEN.uid]: { email: BEN.id },
    },
  });
  await startCall({ callSid: CALLER, from: '+15550100001' }, deps);
  const call = async () => {
    const raw = await live.get(`active_calls/${CALL_ID}`);
    return raw === null ? null : LiveCallSchema.parse(raw);
  };
  const members = async () => (await call())?.conference?.members ?? {};
  const transcript = async () =>
    orderedMessages((await live.get(`active_conversations/${CONV_ID}`)) as LiveConversation);
  const notes = async () =>
    (await transcript()).filter((m) => m.role === 'system').map((m) => m.content);
  /** A supervisor's browser connects: Talk (after a take) or Listen. */
  const browser = (admin: typeof ANA, leg: string, mode: 'talk' | 'listen') =>
    browserLeg({ legSid: leg, from: `client:${admin.uid}`, callId: CALL_ID, mode }, deps);
  /** "Talk": the take, then the browser joins; the conference starts and the caller joins it. */
  const talk = async (admin = ANA, leg = ANA_BROWSER) => {
    await controlCall({ action: 'take', callId: CALL_ID }, admin, deps);
    const twiml = await browser(admin, leg, 'talk');
    await started();
    return twiml;
  };
  /** Twilio reports the conference (its sid), and the caller joining it. */
  const started = async () => {
    voice.conferences.set(NAME, CONFERENCE);
    await conferenceEvent(
      { callId: CALL_ID, event: 'conference-start', conferenceSid: CONFERENCE },
      deps,
    );
    await conferenceEvent(
      { callId: CALL_ID, event: 'participant-join', conferenceSid: CONFERENCE, callSid: CALLER },
      deps,
    );
  };
  /** Twilio ends the conference: its conference-end, then the caller's <Dial action>. */
  const ended = async () => {
    await conferenceEvent(
      { callId: CALL_ID, event: 'conference-end', conferenceSid: CONFERENCE },
      deps,
    );
    return rejoin({ callSid: CALLER, callHint: CALL_ID, callStatus: 'in-progress' }, deps);
  };
  /** The phone leg rung last, pressing a key; then its status callback when it ends. */
  const lastLeg = () => voice.dialled.at(-1)!;
  const press = (digits: string | undefined, leg = lastLeg()) =>
    legPress(
      {
        legSid: leg.sid,
        callId: CALL_ID,
        role: new URL(leg.statusCallback).searchParams.get('role') as 'supervisor' | 'oncall',
        who: new URL(leg.statusCallback).searchParams.get('who')!,
        to: leg.to,
        digits,
      },
      deps,
    );
  const legEnds = (callStatus: string, leg = lastLeg()) =>
    legStatus(
      {
        legSid: leg.sid,
        callId: CALL_ID,
        role: new URL(leg.statusCallback).searchParams.get('role') as 'supervisor' | 'oncall',
        who: new URL(leg.statusCallback).searchParams.get('who')!,
        to: leg.to,
        callStatus,
      },
      deps,
    );
  return {
    ...world,
    call,
    members,
    transcript,
    notes,
    browser,
    talk,
    started,
    ended,
    lastLeg,
    press,
    legEnds,
  };
}

export type ConferenceWorld = Awaited<ReturnType<typeof conferenceCall>>;
export type { LiveCall };
