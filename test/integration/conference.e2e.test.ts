/**
 * The supervisor's own voice (issue 24) end to end, without a browser: a simulated caller through
 * the real functions on the emulator stack; supervisors calling the callControl callable as the
 * dashboard does (the web SDK, signed in to the Auth emulator); and the Twilio stand-in playing
 * every other person on the call: a supervisor's browser leg (/sim/clients/connect, as the Voice
 * SDK's device.connect reaches the TwiML App's Voice URL), the phones "Call me" and Transfer ring
 * (/sim/phones says how each behaves), and what each person says (/sim/calls/{CallSid}/speak).
 *
 * Asserted: what the caller hears and where they are, taken strictly in order (each update the
 * caller gets is the next one expected, so a move nobody asked for fails the test); what each
 * human leg heard; Twilio's view of the conference (the stand-in's); the live call's record of
 * its conference and transcript; and the archive. Nothing sleeps: every wait is for a state.
 */
import { spawn } from 'node:child_process';
import { getAuth } from 'firebase-admin/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LiveCall,
  type LiveConversation,
  type LiveMessage,
  orderedMessages,
  paths,
} from '@aurora/model';
import { callerTranscription, conferenceName } from '../../functions/src/core/conference';
import { SUPERVISOR_LINES_IN } from '../../functions/src/core/twiml';
import { DEMO_ADMIN, grantAdmin, revokeAdmin } from '../../scripts/lib/admins.ts';
import { ROOT } from '../../scripts/lib/project.ts';
import type { ConferenceNotice, MemberView } from '../../scripts/lib/twilio-calls.ts';
import {
  type CallUpdateHeard,
  type SimulatedCall,
  postSigned,
} from '../../scripts/lib/twilio-sim.ts';
import type { WebhookRecord } from '../../scripts/lib/twilio-webhooks.ts';
import { type AdminSession, adminSession } from '../helpers/adminSession';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  liveCallIdFor,
  ringing,
  testClients,
} from '../helpers/stack';

const { app, db, firestore } = testClients();
const LINES = SUPERVISOR_LINES_IN.en;
/** A second supervisor, who listens in. */
const BEN = { email: 'ben.conference@aurora.local', password: 'ben-conference-password-1' };
/** Numbers the local bridge allow-list admits (LOCAL_BRIDGE_NUMBERS: the demo line, +1555010*). */
const RESPONDER = '+15557654321';
const BUSY = '+15550100881';
const SILENT = '+15550100882';

let ana: AdminSession;
let ben: AdminSession;

beforeAll(async () => {
  await grantAdmin({ auth: getAuth(app), db, firestore }, BEN.email, BEN.password);
  [ana, ben] = await Promise.all([
    adminSession(DEMO_ADMIN.email, DEMO_ADMIN.password),
    adminSession(BEN.email, BEN.password),
  ]);
});

afterAll(async () => {
  await Promise.all([ana?.close(), ben?.close()]);
  // The directory as it was: later files' fan-out alerts only the admins they expect.
  await revokeAdmin({ auth: getAuth(app), db, firestore }, BEN.email);
});

// ---- the Twilio stand-in's /sim endpoints ----

async function sim<T>(path: string, init: { method: string; body?: unknown } = { method: 'GET' }) {
  const res = await fetch(`${SIM.twilioApi}/sim/${path}`, {
    method: init.method,
    headers: { 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`/sim/${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A call as the stand-in sees it: what its person heard, its conference, its running transcriptions. */
type LegView = {
  callSid: string;
  who: string;
  state: string;
  heard: string[];
  conference: { sid: string; name: string; members: MemberView[] } | null;
  transcriptions: string[];
};
const legView = (callSid: string) => sim<LegView>(`calls/${callSid}`);
/** Someone on this leg says a whole utterance (transcribed, heard by whoever can hear them). */
const speak = (callSid: string, text: string) =>
  sim<{ transcribed: number; heardBy: string[] }>(`calls/${callSid}/speak`, {
    method: 'POST',
    body: { text },
  });
const hangUpLeg = (callSid: string) => sim<LegView>(`calls/${callSid}/hangup`, { method: 'POST' });
const setPhone = (number: string, behaviour: object) =>
  sim(`phones/${encodeURIComponent(number)}`, { method: 'PUT', body: behaviour });
const resetPhone = (number: string) =>
  sim(`phones/${encodeURIComponent(number)}`, { method: 'DELETE' });

type ConferenceView = {
  sid: string;
  name: string;
  status: string;
  members: MemberView[];
  log: ConferenceNotice[];
};
/** Twilio's conference by its sid, as the stand-in holds it: who is in it, muted or not, and everything seen in it. */
async function conferenceView(name: string, sid: string) {
  const { conferences } = await sim<{ conferences: ConferenceView[] }>(
    `conferences?name=${encodeURIComponent(name)}`,
  );
  const found = conferences.find((c) => c.sid === sid);
  if (!found) throw new Error(`the stand-in has no conference ${sid} named ${name}`);
  return found;
}

/** The webhooks the stand-in posted from `after` on (its record count before). */
const webhooksSince = (after: number) =>
  sim<{ webhooks: WebhookRecord[]; next: number }>(`webhooks?after=${after}`);

/** A supervisor's browser connects to the call (device.connect): the stand-in asks the TwiML App's Voice URL and runs the answer. */
async function browserConnects(admin: AdminSession, callId: string, mode: 'talk' | 'listen') {
  const leg = await sim<LegView>('clients/connect', {
    method: 'POST',
    body: { identity: admin.uid, params: { callId, mode } },
  });
  expect(leg.conference, `the browser leg heard: ${leg.heard.join(' ')}`).not.toBeNull();
  return leg.callSid;
}

// ---- the live call ----

const conversationOf = (callId: string) => callId.replace(/^call_/, 'conv_');
const liveCall = async (callId: string) =>
  LiveCall.parse((await db.ref(paths.call(callId)).get()).val());
const transcript = async (callId: string) =>
  orderedMessages(
    (await db.ref(paths.conversation(conversationOf(callId))).get()).val() as LiveConversation,
  );
const member = async (callId: string, leg: string) =>
  (await liveCall(callId)).conference?.members?.[leg];
/** Waits for the transcript line `match` finds, and returns it. */
const line = (callId: string, what: string, match: (m: LiveMessage) => boolean) =>
  eventually(what, async () => (await transcript(callId)).find(match));
const notes = async (callId: string) =>
  (await transcript(callId)).filter((m) => m.role === 'system').map((m) => m.content);

/**
 * The call's notes once `line` is among them, or as they are if it never comes: a leg's join is
 * noted after the leg is answered, not waited on (calls/voiceLegs.ts), so it is waited for, not raced.
 */
const notesWith = (callId: string, line: string) =>
  eventually(`noted: ${line}`, async () => {
    const lines = await notes(callId);
    return lines.includes(line) && lines;
  }).catch(() => notes(callId));

/** The next thing the caller hears (an update or the conference ending for them); never nothing. */
async function nextHeard(call: SimulatedCall): Promise<CallUpdateHeard> {
  const heard = await call.nextUpdate(20_000);
  if (!heard) throw new Error('the caller heard nothing more');
  return heard;
}

/**
 * "Talk": the admin takes the call (the caller hears a supervisor has joined), then their browser
 * connects, which moves the caller into the call's conference. Resolves the browser's leg.
 */
async function talk(admin: AdminSession, call: SimulatedCall, callId: string) {
  expect(await admin.control({ action: 'take', callId })).toEqual({ reached: true });
  expect((await nextHeard(call)).said).toEqual([LINES.supervisorJoined]);
  const leg = await browserConnects(admin, callId, 'talk');
  const moved = await nextHeard(call);
  expect(moved.said).toEqual([LINES.connecting]);
  expect(moved.conference).toEqual({
    name: conferenceName(callId),
    members: [{ callSid: leg, who: `client:${admin.uid}`, muted: false, hold: false }],
  });
  await eventually('the caller in the conference with the browser', async () => {
    const { conference } = await liveCall(callId);
    return conference?.caller_in && conference.sid && conference.members?.[leg]?.state === 'joined';
  });
  return leg;
}

/** The caller hangs up; the call is acknowledged if it must be, archived and purged. */
async function finish(call: SimulatedCall, callId: string) {
  await call.status('completed');
  await acknowledge(callId);
  return archivedAndPurged(callId, conversationOf(callId));
}

describe("the supervisor's own voice, as the caller and the humans live it", () => {
  it('talks: the caller joins the supervisor, their words raise urgency to CRITICAL, both voices are transcribed by who spoke, and a hand-back returns them to Aurora', async () => {
    const { call, callId } = await ringing('+15550100001');
    expect((await liveCall(callId)).urgency).not.toBe('CRITICAL');

    const browser = await talk(ana, call, callId);
    const live = await liveCall(callId);
    expect(live).toMatchObject({ mode: 'human', admin_id: ana.id });
    expect(live.conference).toMatchObject({
      name: conferenceName(callId),
      caller_in: true,
      members: {
        [browser]: {
          role: 'supervisor',
          who: ana.id,
          via: 'browser',
          state: 'joined',
          muted: false,
        },
      },
    });
    // Twilio's side: both in one conference, the caller's words transcribed from now on.
    const conference = await conferenceView(live.conference!.name, live.conference!.sid!);
    expect(conference.status).toBe('in-progress');
    expect(conference.members.map((m) => m.callSid).sort()).toEqual([browser, call.callSid].sort());
    expect((await legView(call.callSid)).transcriptions).toEqual([callerTranscription(callId)]);
    const joinedNote = `${ana.id} joined the call by voice from the dashboard.`;
    expect(await notesWith(callId, joinedNote)).toContain(joinedNote);

    // The caller speaks in the conference: a spoken caller line, and urgency rises as a turn's would.
    const words = 'There is a fire in the boiler room and my colleague is not breathing';
    expect(await call.say(words)).toMatchObject({ status: 200 });
    const said = await line(callId, "the caller's spoken words", (m) => m.content === words);
    expect(said).toMatchObject({ role: 'user', spoken: true });
    await eventually('CRITICAL', async () => (await liveCall(callId)).urgency === 'CRITICAL');
    expect((await legView(browser)).heard).toContain(words);

    // The supervisor speaks: an admin line, by who spoke; the caller hears it.
    const advice = 'Get out through the east door and stay low';
    expect(await speak(browser, advice)).toEqual({ transcribed: 1, heardBy: ['+15550100001'] });
    expect(await line(callId, "the supervisor's words", (m) => m.content === advice)).toMatchObject(
      { role: 'admin', by: ana.id, spoken: true },
    );
    expect((await legView(call.callSid)).heard).toContain(advice);

    // Hand back: the conference ends, the browser leg drops, and the caller is with Aurora again.
    expect(await ana.control({ action: 'release', callId })).toEqual({ reached: true });
    const back = await nextHeard(call);
    expect(back).toMatchObject({ leftConference: 'ended', said: [LINES.aiBack] });
    expect(back.gatherAction).toContain('/twilio/turn');
    expect(call.notices.at(-1)).toMatchObject({ kind: 'left', reason: 'ended' });
    expect((await legView(call.callSid)).transcriptions).toEqual([]);
    await eventually(
      'the browser leg dropped',
      async () => (await legView(browser)).state === 'completed',
    );
    const handedBack = await liveCall(callId);
    expect(handedBack).toMatchObject({ mode: 'ai', conference: { caller_in: false } });
    expect(await notes(callId)).toContain(`${ana.id} handed the call back to Aurora.`);
    expect(handedBack.conference!.members![browser]!.state).toBe('left');

    // The next Gather turn is Aurora's, as before; the caller's words are not transcribed twice.
    const next = 'I am outside now by the gate';
    const turn = await call.say(next);
    expect(turn.status).toBe(200);
    expect(turn.said).toHaveLength(1);
    expect(turn.gatherAction).toContain('/twilio/turn');
    const after = await transcript(callId);
    const heardOnce = after.filter((m) => m.content === next);
    expect(heardOnce).toHaveLength(1);
    expect(heardOnce[0]!.spoken).toBeUndefined();
    const answeredAt = after.findIndex((m) => m === heardOnce[0]);
    expect(after.slice(answeredAt + 1).map((m) => m.role)).toContain('assistant');

    await finish(call, callId);
  });

  it('transfers warmly: the on-call person hears the brief, presses 1 and joins; the supervisor leaves them talking; when they hang up the caller is listened to again, never alone', async () => {
    const { call, callId } = await ringing('+15550100002');
    const first = 'A pallet fell on my colleague and his leg is bleeding';
    await call.say(first);
    const browser = await talk(ana, call, callId);
    const urgency = (await liveCall(callId)).urgency;

    expect(await ana.control({ action: 'transfer', callId, to: RESPONDER })).toEqual({
      reached: true,
    });
    expect(await notes(callId)).toContain(
      `${ana.id} is ringing ${RESPONDER} to hand the call over; they hear Aurora's brief first.`,
    );
    const onCall = await eventually('the on-call leg joined', async () => {
      const legs = Object.entries((await liveCall(callId)).conference?.members ?? {});
      const found = legs.find(([, m]) => m.role === 'oncall' && m.state === 'joined');
      return found?.[0];
    });
    expect(await member(callId, onCall)).toMatchObject({
      role: 'oncall',
      who: RESPONDER,
      via: 'phone',
      to: RESPONDER,
      muted: false,
    });
    // Before joining they heard Aurora's brief in one breath: who, what happened, how urgent, who is with the caller.
    const { heard } = await legView(onCall);
    const brief = heard[0]!;
    expect(brief).toMatch(/^Aurora safety line: /);
    expect(brief).toContain('Marcus Hale');
    expect(brief).toMatch(new RegExp(`\\b${urgency.toLowerCase()} call from Marcus Hale`));
    expect(brief).toContain('They said: A pallet fell');
    expect(brief).toContain('supervisor admin');
    expect(brief).toMatch(/Press 1 to join\.$/);
    const joinedNote = `${RESPONDER} joined the call by phone.`;
    expect(await notesWith(callId, joinedNote)).toContain(joinedNote);

    // The supervisor leaves: the caller and the on-call person stay in the same conference.
    expect(await ana.control({ action: 'leave', callId })).toEqual({ reached: true });
    await eventually(
      'the browser left',
      async () => (await member(callId, browser))?.state === 'left',
    );
    const stays = await liveCall(callId);
    expect(stays.conference).toMatchObject({
      caller_in: true,
      members: { [onCall]: { state: 'joined' } },
    });
    const twilio = await conferenceView(stays.conference!.name, stays.conference!.sid!);
    expect(twilio.status).toBe('in-progress');
    expect(twilio.members.map((m) => m.callSid).sort()).toEqual([call.callSid, onCall].sort());
    expect((await legView(call.callSid)).conference?.sid).toBe(stays.conference!.sid);
    expect(await notes(callId)).toContain(
      `${ana.id} left the call; the caller is with ${RESPONDER}.`,
    );

    // The on-call person speaks: an on-call line, by their number.
    const words = 'This is the first aider, I am on my way to you';
    await speak(onCall, words);
    expect(
      await line(callId, "the on-call person's words", (m) => m.content === words),
    ).toMatchObject({ role: 'oncall', by: RESPONDER, spoken: true });

    // They hang up: the caller is returned at once. The first thing the caller hears since they
    // were moved in is this return: nothing moved them when the supervisor left.
    await hangUpLeg(onCall);
    const back = await nextHeard(call);
    expect(back.leftConference).toBe('ended');
    // Ana had left the caller with the on-call person, who has gone too: Aurora has the caller
    // again, not a supervisor who is no longer there.
    expect(back.said).toEqual([LINES.aiBack]);
    expect(back.gatherAction).toContain('/twilio/turn');
    const read = call.notices.map((n) => `${n.kind} ${'who' in n ? n.who : ''}`.trim());
    expect(read).toEqual([
      `join ${RESPONDER}`,
      `leave client:${ana.uid}`,
      `spoken ${RESPONDER}`,
      `leave ${RESPONDER}`,
      'left',
    ]);
    expect((await liveCall(callId)).conference).toMatchObject({
      caller_in: false,
      members: { [onCall]: { state: 'left' }, [browser]: { state: 'left' } },
    });
    expect(await notes(callId)).toContain(
      `${ana.id} had left the call; Aurora has the caller again.`,
    );
    expect((await liveCall(callId)).mode).toBe('ai');
    await finish(call, callId);
  });

  it('a transfer that is busy or not accepted leaves the caller with the supervisor, and the transcript says so', async () => {
    await setPhone(BUSY, { outcome: 'busy' });
    await setPhone(SILENT, { outcome: 'answers', presses: '' });
    try {
      const { call, callId } = await ringing('+15550100003');
      const browser = await talk(ana, call, callId);
      const { name, sid } = (await liveCall(callId)).conference!;

      const tried = await Promise.all([
        ana.control({ action: 'transfer', callId, to: BUSY }),
        ana.control({ action: 'transfer', callId, to: SILENT }),
      ]);
      expect(tried).toEqual([{ reached: true }, { reached: true }]);
      const ended = await eventually('both legs ended', async () => {
        const legs = Object.values((await liveCall(callId)).conference?.members ?? {});
        const busy = legs.find((m) => m.to === BUSY);
        const silent = legs.find((m) => m.to === SILENT);
        return busy?.state !== 'ringing' && silent?.state !== 'ringing' && { busy, silent };
      });
      expect(ended.busy).toMatchObject({ role: 'oncall', who: BUSY, state: 'busy' });
      expect(ended.silent).toMatchObject({ role: 'oncall', who: SILENT, state: 'declined' });
      // Each leg's note is written after its state (calls/voiceLegs.ts): waited for, not raced.
      const busyNote = `${BUSY} was busy; the caller is still with ${ana.id}.`;
      const silentNote = `${SILENT} did not accept the call; the caller is still with ${ana.id}.`;
      const said = await eventually('both notes written', async () => {
        const lines = await notes(callId);
        return lines.includes(busyNote) && lines.includes(silentNote) && lines;
      }).catch(() => notes(callId));
      expect(said).toContain(`${BUSY} was busy; the caller is still with ${ana.id}.`);
      expect(said).toContain(
        `${SILENT} did not accept the call; the caller is still with ${ana.id}.`,
      );

      // Throughout, the caller stayed in the one conference with the supervisor.
      const twilio = await conferenceView(name, sid!);
      expect(twilio.status).toBe('in-progress');
      expect(twilio.members.map((m) => m.callSid).sort()).toEqual([browser, call.callSid].sort());
      expect(twilio.log.filter((n) => n.kind === 'leave' || n.kind === 'left')).toEqual([]);
      expect(await liveCall(callId)).toMatchObject({
        conference: { caller_in: true, sid, members: { [browser]: { state: 'joined' } } },
      });
      // The one who did not press heard the prompt and the goodbye; the caller heard neither.
      const silentLeg = Object.entries((await liveCall(callId)).conference!.members!).find(
        ([, m]) => m.to === SILENT,
      )![0];
      const { heard } = await legView(silentLeg);
      expect(heard.at(-1)).toBe('Goodbye.');
      expect(heard[0]).toMatch(/^Aurora safety line: .*Press 1 to join\.$/);

      // Handed back: the first thing the caller hears since joining is Aurora again.
      await ana.control({ action: 'release', callId });
      expect(await nextHeard(call)).toMatchObject({
        leftConference: 'ended',
        said: [LINES.aiBack],
      });
      await finish(call, callId);
    } finally {
      await Promise.all([resetPhone(BUSY), resetPhone(SILENT)]);
    }
  });

  it("calls the supervisor's phone: it rings, they press 1 and join, and only then is the call taken and the caller moved in", async () => {
    const { call, callId } = await ringing('+15550100004');
    const webhooksBefore = (await webhooksSince(1e9)).next;
    // "Call me" takes nothing while the phone rings: Aurora keeps the caller, who hears nothing new.
    expect(await ana.control({ action: 'callme', callId })).toEqual({ reached: true });
    const [phoneLeg, rung] = Object.entries((await liveCall(callId)).conference!.members!)[0]!;
    expect(rung).toMatchObject({
      role: 'supervisor',
      who: ana.id,
      via: 'phone',
      to: DEMO_ADMIN.phone,
    });
    expect(await notes(callId)).toContain(
      `${ana.id} is ringing their phone (${DEMO_ADMIN.phone}) to talk with the caller.`,
    );

    // The first thing the caller hears since Call me is the move into the conference.
    const moved = await nextHeard(call);
    expect(moved.said).toEqual([LINES.connecting]);
    expect(moved.conference?.name).toBe(conferenceName(callId));
    const joined = await eventually('the phone in the conference with the caller', async () => {
      const { conference } = await liveCall(callId);
      return (
        conference?.caller_in && conference.members?.[phoneLeg]?.state === 'joined' && conference
      );
    });
    expect(joined.members![phoneLeg]).toMatchObject({ via: 'phone', muted: false });
    // The press took the call: Ana holds it, and the transcript says so before her joining.
    expect(await liveCall(callId)).toMatchObject({ mode: 'human', admin_id: ana.id });
    const said = await notesWith(callId, `${ana.id} joined the call by phone.`);
    expect(said.indexOf(`${ana.id} took over the call.`)).toBeGreaterThan(
      said.indexOf(
        `${ana.id} is ringing their phone (${DEMO_ADMIN.phone}) to talk with the caller.`,
      ),
    );
    expect(said.indexOf(`${ana.id} joined the call by phone.`)).toBeGreaterThan(
      said.indexOf(`${ana.id} took over the call.`),
    );
    // The phone heard whose call it is before pressing 1.
    expect((await legView(phoneLeg)).heard[0]).toMatch(
      /^Aurora: your call with Kwame Mensah at North Yard, zone Loading Dock is ready\. Press 1 to join\.$/,
    );
    // The caller was moved only after the key press: the press was posted before the caller's move.
    const { webhooks } = await webhooksSince(webhooksBefore);
    const press = webhooks.find(
      (w) => w.url.includes('/twilio/leg?') && w.params.CallSid === phoneLeg,
    );
    expect(press?.params.Digits).toBe('1');
    const { updates } = await sim<{ updates: Array<{ twiml?: string; at: number }> }>(
      `calls/${call.callSid}/updates?after=0`,
    );
    const move = updates.find((u) => u.twiml?.includes('<Conference'));
    expect(move!.at).toBeGreaterThanOrEqual(press!.at);
    const answered = webhooks.find(
      (w) => w.url.includes('/twilio/leg-status') && w.params.CallSid === phoneLeg,
    );
    expect(answered?.params.CallStatus).toBe('in-progress');

    // Leaving hangs the phone up; the caller, alone, is returned to the supervisor's typing.
    expect(await ana.control({ action: 'leave', callId })).toEqual({ reached: true });
    expect(await nextHeard(call)).toMatchObject({
      leftConference: 'ended',
      said: [LINES.bridgeEnded],
    });
    await eventually(
      'the phone hung up',
      async () => (await legView(phoneLeg)).state === 'completed',
    );
    // Her voice left, she still holds the call: the caller reads her typed words, and the
    // transcript says so, never that the caller is with the person who just left.
    const left = await notes(callId);
    expect(
      left.filter(
        (n) =>
          n ===
          `${ana.id} left the voice call; ${ana.id} still holds the call on the dashboard (typed words).`,
      ),
    ).toHaveLength(1);
    expect(left).not.toContain(`${ana.id} left the call; the caller is with ${ana.id}.`);
    await finish(call, callId);
  });

  it('listens in: a second supervisor joins muted and hears the caller, then speaks up through the mute action', async () => {
    const { call, callId } = await ringing('+15550100001');
    const browser = await talk(ana, call, callId);
    const { name, sid } = (await liveCall(callId)).conference!;

    const listener = await browserConnects(ben, callId, 'listen');
    await eventually(
      'the listener recorded',
      async () => (await member(callId, listener))?.state === 'joined',
    );
    expect(await member(callId, listener)).toMatchObject({
      role: 'supervisor',
      who: BEN.email,
      via: 'browser',
      muted: true,
    });
    expect((await liveCall(callId)).admin_id).toBe(ana.id); // listening takes nothing
    const muted = (await conferenceView(name, sid!)).members.find((m) => m.callSid === listener);
    expect(muted).toMatchObject({ who: `client:${ben.uid}`, muted: true });
    const listeningNote = `${BEN.email} is listening in (muted).`;
    expect(await notesWith(callId, listeningNote)).toContain(listeningNote);

    // The listener hears the caller (Twilio's mix), and so does the supervisor talking.
    const words = 'I can hear gas hissing from the pipe by the door';
    const heardBy = (await call.say(words)).body;
    expect(JSON.parse(heardBy)).toMatchObject({ transcribed: 1 });
    expect((await legView(listener)).heard).toContain(words);
    expect((await legView(browser)).heard).toContain(words);

    // Speak up: the mute action unmutes Twilio's participant; the caller hears the listener now.
    expect(await ben.control({ action: 'mute', callId, muted: false })).toEqual({ reached: true });
    const unmuted = (await conferenceView(name, sid!)).members.find((m) => m.callSid === listener);
    expect(unmuted?.muted).toBe(false);
    await eventually(
      'unmuted on the call',
      async () => (await member(callId, listener))?.muted === false,
    );
    // The unmute is recorded to the second, and words from the second it happened in are not
    // transcribed (they may have been said while still muted: core/transcription.ts). Ben speaks
    // after that second.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const barge = 'This is Ben, I am calling the gas team now';
    expect((await speak(listener, barge)).heardBy.sort()).toEqual(
      [`client:${ana.uid}`, '+15550100001'].sort(),
    );
    expect((await legView(call.callSid)).heard).toContain(barge);
    expect(
      await line(callId, "the second supervisor's words", (m) => m.content === barge),
    ).toMatchObject({ role: 'admin', by: BEN.email, spoken: true });

    // "Hang up" on the dashboard: the browser disconnects first, and Twilio's participant-leave
    // is recorded before the leave action arrives; the leave has nothing left to do, and is done.
    await hangUpLeg(listener);
    await eventually(
      'the listener left',
      async () => (await member(callId, listener))?.state === 'left',
    );
    expect(await ben.control({ action: 'leave', callId })).toEqual({ reached: true });
    expect(
      (await notes(callId)).filter(
        (n) => n === `${BEN.email} left the call; the caller is with ${ana.id}.`,
      ),
    ).toHaveLength(1);
    expect((await liveCall(callId)).conference).toMatchObject({
      caller_in: true,
      members: { [browser]: { state: 'joined' } },
    });

    await ana.control({ action: 'release', callId });
    expect(await nextHeard(call)).toMatchObject({ leftConference: 'ended', said: [LINES.aiBack] });
    await eventually(
      'the browser dropped',
      async () => (await legView(browser)).state === 'completed',
    );
    await finish(call, callId);
  });

  it('archives what the humans said and who joined, once the caller hangs up in the conference, and purges the live call', async () => {
    const { call, callId } = await ringing('+15550100002');
    const browser = await talk(ana, call, callId);
    const words = 'Someone collapsed on the loading ramp';
    await call.say(words);
    const advice = 'Check whether he is breathing and tell me';
    await speak(browser, advice);
    await eventually(
      'both spoken lines',
      async () => (await transcript(callId)).filter((m) => m.spoken).length === 2,
    );

    // The caller hangs up in the conference: it ends, the supervisor's leg with it.
    const { call: archived, conversation } = await finish(call, callId);
    expect((await legView(browser)).state).toBe('completed');
    expect(archived.conference_members).toEqual({
      [browser]: {
        role: 'supervisor',
        who: ana.id,
        via: 'browser',
        state: 'left',
        muted: false,
        at: expect.any(String),
      },
    });
    const messages = conversation.messages as LiveMessage[];
    expect(messages).toContainEqual(
      expect.objectContaining({ role: 'user', content: words, spoken: true }),
    );
    expect(messages).toContainEqual(
      expect.objectContaining({ role: 'admin', content: advice, by: ana.id, spoken: true }),
    );
    expect(messages.map((m) => m.content)).toContain(
      `${ana.id} joined the call by voice from the dashboard.`,
    );
    // The caller hung up: the transcript says so, once, and never that they are back with, or
    // with, anyone after the supervisor joined.
    const after = messages
      .slice(
        messages.findIndex((m) =>
          m.content.endsWith('joined the call by voice from the dashboard.'),
        ),
      )
      .filter((m) => m.role === 'system')
      .map((m) => m.content);
    expect(after).toEqual([
      `${ana.id} joined the call by voice from the dashboard.`,
      'The caller hung up during the voice conference.',
    ]);
    expect((await db.ref(paths.call(callId)).get()).exists()).toBe(false);
    expect((await db.ref(paths.conversation(conversationOf(callId))).get()).exists()).toBe(false);
  });
});

describe('the call simulator on the line (npm run call -- --keep)', () => {
  it('prints the conference it is moved into, who joins, what they say, and Aurora when it is over', async () => {
    const child = spawn(
      process.execPath,
      ['scripts/call.ts', '--keep', '--from', '+15550100003', 'I want to report a broken ladder'],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const printed = (what: string, text: string | RegExp, timeoutMs?: number) =>
      eventually(
        `the simulator to print ${what}`,
        async () => (typeof text === 'string' ? out.includes(text) : text.test(out)) || undefined,
        timeoutMs,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n--- it printed ---\n${out}`);
      });
    let callId: string | null = null;
    let callSid: string | undefined;
    try {
      await printed('that it is on the line', 'On the line.');
      callSid = /\(CallSid (CA[0-9a-f]{32})\)/.exec(out)![1]!;
      callId = (await liveCallIdFor(callSid))!;

      expect(await ana.control({ action: 'take', callId })).toEqual({ reached: true });
      await printed("the take's line", `Supervisor/Aurora: ${LINES.supervisorJoined}`);
      const browser = await browserConnects(ana, callId, 'talk');
      await printed(
        'the conference and who is in it',
        `(in the conference ${conferenceName(callId)} with Supervisor ${ana.uid}; what you type is spoken there)`,
      );
      await speak(browser, 'Stay where you are, I am sending someone');
      await printed(
        'what the supervisor said',
        `Supervisor ${ana.uid}: Stay where you are, I am sending someone`,
      );

      // What is typed is spoken into the conference, and transcribed as the caller's.
      child.stdin.write('It is the ladder by dock three\n');
      await line(
        callId!,
        'the typed words, transcribed',
        (m) => m.content === 'It is the ladder by dock three',
      );

      const listener = await browserConnects(ben, callId, 'listen');
      await printed('the listener joining', `(Supervisor ${ben.uid} joined, CallSid ${listener})`);

      await ana.control({ action: 'release', callId });
      await printed('the end of the conference', '(the conference ended)');
      await printed("Aurora's line", `Supervisor/Aurora: ${LINES.aiBack}`);

      child.stdin.end(); // Ctrl-D: the caller hangs up
      await printed('the archive', /Archived in Firestore: calls\/call_/, 45_000);
      expect(await exited).toBe(0);
      expect(out).toMatch(/user: It is the ladder by dock three/);
    } finally {
      if (child.exitCode === null) {
        child.kill();
        // The simulator did not hang up: Twilio's status callback ends the call all the same.
        if (callSid)
          await postSigned(SIM, `${SIM.baseUrl}/twilio/status`, {
            CallSid: callSid,
            CallStatus: 'completed',
          });
      }
      if (callId) {
        await acknowledge(callId);
        await archivedAndPurged(callId, conversationOf(callId));
      }
    }
  });
});
