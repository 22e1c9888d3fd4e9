/**
 * The Twilio REST stand-in's conferences, participants, phone legs, browser legs and real-time
 * transcription (scripts/lib/twilio-calls.ts, twilio-api-conferences.ts), asked through the real
 * twilio SDK as the functions ask them, with a tiny local server standing for the functions'
 * webhooks: what Twilio would post, signed, with its fields, and the errors it refuses with.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { twilioClient, twilioVoice } from '../../../functions/src/adapters/twilioVoice';
import { callerCompanyAt } from '../../../functions/src/core/conference';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';
import { newCallSid } from '../../../scripts/lib/twilio-sim.ts';
import { WebhookServer, type Received } from '../../helpers/webhookServer.ts';

const account = { accountSid: `AC${'0'.repeat(31)}9`, authToken: 'conference-token', smsFrom: '' };
const HOTLINE = '+15550199999';
const functions = new WebhookServer(account.authToken);
let api: TwilioApiServer;
let client: ReturnType<typeof twilioClient>;

beforeAll(async () => {
  await functions.start();
  api = await new TwilioApiServer(account, { publicBaseUrl: functions.baseUrl, ringMs: 0 }).start();
  client = twilioClient({ ...account, apiBaseUrl: api.baseUrl });
});
afterAll(async () => {
  await api.stop();
  await functions.stop();
});
beforeEach(() => {
  functions.answer('/twilio/browser', (r) =>
    humanTwiml(
      r.params.callId!,
      r.params.CallSid!,
      'supervisor',
      'ana',
      r.params.mode === 'listen',
    ),
  );
  functions.answer('/twilio/leg', (r) =>
    humanTwiml(r.query.call!, r.params.CallSid!, r.query.role!, r.query.who!, false),
  );
});

/** What /sim answers, loosely: each endpoint fills some of these. */
type SimAnswer = {
  callSid: string;
  state: string;
  heard: string[];
  transcriptions: string[];
  conference: { sid: string; name: string; members: unknown[] } | null;
  updates: Array<{ notice?: unknown }>;
  transcribed: number;
  heardBy: string[];
};

/** A /sim request with a JSON body; its status and JSON answer. */
async function sim(path: string, body?: unknown, method = 'POST') {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as SimAnswer };
}
const idle = () => sim('/sim/idle', undefined, 'GET');

/** What the SDK rejects with: Twilio's code and HTTP status. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: { code?: number; status?: number }) => ({ code: err.code, status: err.status }),
  );

const base = () => functions.baseUrl;
const amp = (s: string) => s.replace(/&/g, '&amp;');

/** The caller's call update, as the contract has the functions build it. */
function callerTwiml(callId: string, withAction = true) {
  const conference = `<Conference startConferenceOnEnter="true" endConferenceOnExit="true" beep="false" statusCallback="${amp(`${base()}/twilio/conference?call=${callId}`)}" statusCallbackEvent="start end join leave mute">aurora-${callId}</Conference>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>A supervisor is joining the call.</Say><Start><Transcription name="caller-${callId}" track="inbound_track" statusCallbackUrl="${amp(`${base()}/twilio/transcription?call=${callId}&speaker=caller`)}" languageCode="en-US"/></Start><Dial${withAction ? ` action="${amp(`${base()}/twilio/rejoin?call=${callId}`)}"` : ''}>${conference}</Dial></Response>`;
}

/** A human leg's TwiML (browser, or phone after pressing 1). */
function humanTwiml(callId: string, legSid: string, speaker: string, who: string, muted: boolean) {
  const transcription = `${base()}/twilio/transcription?call=${callId}&speaker=${speaker}&who=${encodeURIComponent(who)}`;
  return `<Response><Start><Transcription name="leg-${legSid}" track="inbound_track" statusCallbackUrl="${amp(transcription)}"/></Start><Dial><Conference muted="${muted}" startConferenceOnEnter="true" endConferenceOnExit="false" beep="false" statusCallback="${amp(`${base()}/twilio/conference?call=${callId}`)}" statusCallbackEvent="start end join leave mute">aurora-${callId}</Conference></Dial></Response>`;
}

/** A simulated caller's call, moved into its conference. */
async function callerIn(callId: string, from = '+15550100001') {
  const callSid = newCallSid();
  await sim(`/sim/calls/${callSid}`, { from }, 'PUT');
  const { body } = await sim(`/sim/calls/${callSid}/twiml`, { twiml: callerTwiml(callId) });
  return { callSid, conferenceSid: body.conference!.sid };
}

const connect = async (callId: string, mode = 'talk', identity = 'ana-uid') =>
  (await sim('/sim/clients/connect', { identity, params: { callId, mode } })).body;

const conferencePosts = (callId: string) =>
  functions.to('/twilio/conference').filter((r) => r.query.call === callId);
const events = (posts: Received[]) => posts.map((r) => r.params.StatusCallbackEvent);
const transcriptionPosts = (callSid: string) =>
  functions.to('/twilio/transcription').filter((r) => r.params.CallSid === callSid);
const RFC_2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

describe('a conference, through the twilio SDK', () => {
  it('starts when the caller is moved in: transcription-started, conference-start, participant-join, signed, with Twilio’s fields', async () => {
    const { callSid, conferenceSid } = await callerIn('call_a');
    expect(conferenceSid).toMatch(/^CF[0-9a-f]{32}$/);
    const [started] = transcriptionPosts(callSid);
    expect(started).toMatchObject({
      signed: true,
      query: { call: 'call_a', speaker: 'caller' },
      params: {
        AccountSid: account.accountSid,
        CallSid: callSid,
        TranscriptionEvent: 'transcription-started',
        TranscriptionSid: expect.stringMatching(/^GT[0-9a-f]{32}$/),
        SequenceId: '1',
        Track: 'inbound_track',
        LanguageCode: 'en-US',
      },
    });
    const posts = conferencePosts('call_a');
    expect(events(posts)).toEqual(['conference-start', 'participant-join']);
    expect(posts.every((p) => p.signed)).toBe(true);
    expect(posts[1]!.params).toMatchObject({
      ConferenceSid: conferenceSid,
      FriendlyName: 'aurora-call_a',
      CallSid: callSid,
      Muted: 'false',
      Hold: 'false',
      StartConferenceOnEnter: 'true',
      EndConferenceOnExit: 'true',
      SequenceNumber: '2',
      Timestamp: expect.stringMatching(RFC_2822),
    });

    const found = await client.conferences.list({
      friendlyName: 'aurora-call_a',
      status: 'in-progress',
    });
    expect(found.map((c) => [c.sid, c.status])).toEqual([[conferenceSid, 'in-progress']]);
    expect(
      await client.conferences.list({ friendlyName: 'aurora-call_a', status: 'completed' }),
    ).toEqual([]);
    expect((await client.conferences(conferenceSid).fetch()).friendlyName).toBe('aurora-call_a');
  });

  it('says 20404 for a conference the account never had', async () => {
    const unknown = `CF${'0'.repeat(32)}`;
    expect(await refusal(client.conferences(unknown).fetch())).toEqual({
      status: 404,
      code: 20404,
    });
    expect(await refusal(client.conferences(unknown).update({ status: 'completed' }))).toEqual({
      status: 404,
      code: 20404,
    });
    expect(await refusal(client.conferences(unknown).participants.list())).toEqual({
      status: 404,
      code: 20404,
    });
  });

  it('connects a browser to the Voice URL as client:{identity} with its params, and lists it muted when it listens', async () => {
    const { callSid, conferenceSid } = await callerIn('call_b');
    const browser = await connect('call_b', 'listen');
    expect(functions.to('/twilio/browser').at(-1)).toMatchObject({
      signed: true,
      params: {
        CallSid: browser.callSid,
        From: 'client:ana-uid',
        Caller: 'client:ana-uid',
        To: '',
        Direction: 'inbound',
        CallStatus: 'ringing',
        callId: 'call_b',
        mode: 'listen',
      },
    });
    expect(browser.conference).toMatchObject({ sid: conferenceSid, name: 'aurora-call_b' });
    const everyone = await client.conferences(conferenceSid).participants.list();
    expect(everyone.map((p) => p.callSid).sort()).toEqual([callSid, browser.callSid].sort());
    const muted = await client.conferences(conferenceSid).participants.list({ muted: true });
    expect(muted.map((p) => [p.callSid, p.muted, p.endConferenceOnExit])).toEqual([
      [browser.callSid, true, false],
    ]);
  });

  it('connects to the TwiML App’s Voice URL when the account has one, and refuses a connect with nowhere to go', async () => {
    functions.answer('/twilio/app-voice', '<Response><Say>Connected.</Say></Response>');
    const app = api.voiceSdk.addApplication({ voice_url: `${base()}/twilio/app-voice` });
    try {
      const browser = await connect('call_app');
      expect(functions.to('/twilio/app-voice').at(-1)!.params).toMatchObject({
        CallSid: browser.callSid,
        ApplicationSid: app.sid,
      });
      expect(browser).toMatchObject({ heard: ['Connected.'], state: 'completed' });
    } finally {
      api.voiceSdk.applications.delete(app.sid);
    }
    const nowhere = await sim('/sim/clients/connect', { identity: 'x', voiceUrl: '/relative' });
    expect(nowhere.status).toBe(409);
  });

  it('mutes, unmutes and holds a participant, posting participant-mute and -unmute; 20404 for a call not in it', async () => {
    const { conferenceSid } = await callerIn('call_m');
    const browser = await connect('call_m', 'listen');
    const member = client.conferences(conferenceSid).participants(browser.callSid);
    expect((await member.update({ muted: false })).muted).toBe(false);
    expect((await member.update({ muted: true })).muted).toBe(true);
    expect((await member.update({ hold: true })).hold).toBe(true);
    await idle();
    const muting = conferencePosts('call_m').filter((p) => p.params.CallSid === browser.callSid);
    expect(events(muting)).toEqual(['participant-join', 'participant-unmute', 'participant-mute']);
    expect(muting[2]!.params).toMatchObject({ Muted: 'true', Hold: 'false' });
    expect(await member.fetch()).toMatchObject({ muted: true, hold: true, status: 'connected' });

    const stranger = client.conferences(conferenceSid).participants(newCallSid());
    expect(await refusal(stranger.update({ muted: true }))).toEqual({ status: 404, code: 20404 });
    expect(await refusal(stranger.fetch())).toEqual({ status: 404, code: 20404 });
    expect(await refusal(stranger.remove())).toEqual({ status: 404, code: 20404 });
  });

  it('transcribes what a leg says as final content with a rising SequenceId; the others hear it unless it is muted', async () => {
    const { callSid } = await callerIn('call_t');
    const browser = await connect('call_t', 'talk');
    const said = await sim(`/sim/calls/${browser.callSid}/speak`, { text: 'Help is on the way.' });
    expect(said.body).toEqual({ transcribed: 1, heardBy: ['+15550100001'] });
    const [, content] = transcriptionPosts(browser.callSid);
    expect(content).toMatchObject({
      signed: true,
      query: { call: 'call_t', speaker: 'supervisor', who: 'ana' },
      params: {
        TranscriptionEvent: 'transcription-content',
        Final: 'true',
        Track: 'inbound_track',
        LanguageCode: 'en-US',
        SequenceId: '2',
      },
    });
    expect(JSON.parse(content!.params.TranscriptionData!)).toEqual({
      transcript: 'Help is on the way.',
      confidence: expect.any(Number),
    });

    await sim(`/sim/calls/${callSid}/speak`, { text: 'My leg is trapped.' });
    await sim(`/sim/calls/${callSid}/speak`, { text: 'Under the shelf.' });
    expect(transcriptionPosts(callSid).map((p) => p.params.SequenceId)).toEqual(['1', '2', '3']);
    const { body } = await sim(`/sim/calls/${callSid}/updates?after=0`, undefined, 'GET');
    expect(body.updates.map((u) => u.notice)).toContainEqual({
      kind: 'spoken',
      conference: 'aurora-call_t',
      callSid: browser.callSid,
      who: 'client:ana-uid',
      text: 'Help is on the way.',
    });

    const conference = (await client.conferences.list({ friendlyName: 'aurora-call_t' }))[0]!;
    await client.conferences(conference.sid).participants(browser.callSid).update({ muted: true });
    // Muted in the conference, the leg's own audio is still transcribed; nobody hears it.
    const muted = await sim(`/sim/calls/${browser.callSid}/speak`, { text: 'Can you hear me?' });
    expect(muted.body).toEqual({ transcribed: 1, heardBy: [] });
    expect(transcriptionPosts(browser.callSid).at(-1)!.params.SequenceId).toBe('3');
  });

  it('refuses speech nobody hears, and a call that ended', async () => {
    const callSid = newCallSid();
    await sim(`/sim/calls/${callSid}`, {}, 'PUT');
    expect((await sim(`/sim/calls/${callSid}/speak`, { text: 'hello?' })).status).toBe(409);
    await sim(`/sim/calls/${callSid}/end`);
    expect((await sim(`/sim/calls/${callSid}/speak`, { text: 'hello?' })).status).toBe(409);
    expect((await sim(`/sim/calls/${newCallSid()}/speak`, { text: 'hello?' })).status).toBe(404);
  });

  it('ends through the API: everyone leaves, the caller hears of it, the browser leg ends, and a second end is refused (16022)', async () => {
    const { callSid, conferenceSid } = await callerIn('call_e');
    const browser = await connect('call_e');
    const ended = await client.conferences(conferenceSid).update({ status: 'completed' });
    expect(ended.status).toBe('completed');
    await idle();
    expect(events(conferencePosts('call_e')).slice(-3)).toEqual([
      'participant-leave',
      'participant-leave',
      'conference-end',
    ]);
    expect(conferencePosts('call_e').at(-1)!.params).toMatchObject({
      ReasonConferenceEnded: 'conference-ended-via-api',
    });
    const { body } = await sim(`/sim/calls/${callSid}/updates?after=0`, undefined, 'GET');
    expect(body.updates.at(-1)!.notice).toEqual({
      kind: 'left',
      conference: 'aurora-call_e',
      reason: 'ended',
    });
    // The browser's <Dial> had no action and nothing after it: its call ends.
    expect((await sim(`/sim/calls/${browser.callSid}`, undefined, 'GET')).body.state).toBe(
      'completed',
    );
    expect(transcriptionPosts(browser.callSid).at(-1)!.params.TranscriptionEvent).toBe(
      'transcription-stopped',
    );

    expect(
      await refusal(client.conferences(conferenceSid).update({ status: 'completed' })),
    ).toEqual({
      status: 400,
      code: 16022,
    });
    expect(await client.conferences(conferenceSid).participants.list()).toEqual([]);
    expect(await refusal(client.conferences(conferenceSid).participants(callSid).fetch())).toEqual({
      status: 404,
      code: 20404,
    });
    expect(await client.conferences(conferenceSid).fetch()).toMatchObject({
      status: 'completed',
      reasonConferenceEnded: 'conference-ended-via-api',
    });
  });

  it('ends when the caller (endConferenceOnExit) hangs up, and when the last one leaves', async () => {
    const { callSid } = await callerIn('call_x');
    await connect('call_x');
    await sim(`/sim/calls/${callSid}/end`);
    expect(conferencePosts('call_x').at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
      CallSidEndingConference: callSid,
    });
    expect(transcriptionPosts(callSid).at(-1)!.params.TranscriptionEvent).toBe(
      'transcription-stopped',
    );

    // A supervisor's browser may be first in: it starts the conference; alone, leaving ends it.
    const alone = await connect('call_y');
    expect(events(conferencePosts('call_y'))).toEqual(['conference-start', 'participant-join']);
    await sim(`/sim/clients/${alone.callSid}/hangup`);
    expect(conferencePosts('call_y').at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'last-participant-left',
    });
  });

  it('removes a participant: it leaves and goes on with its TwiML, and the conference goes on', async () => {
    const { callSid, conferenceSid } = await callerIn('call_k');
    const browser = await connect('call_k');
    expect(await client.conferences(conferenceSid).participants(browser.callSid).remove()).toBe(
      true,
    );
    await idle();
    expect(conferencePosts('call_k').at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'participant-leave',
      CallSid: browser.callSid,
      ParticipantCallStatus: 'in-progress',
    });
    expect((await client.conferences(conferenceSid).fetch()).status).toBe('in-progress');
    const left = await client.conferences(conferenceSid).participants.list();
    expect(left.map((p) => p.callSid)).toEqual([callSid]);
    expect((await sim(`/sim/calls/${browser.callSid}`, undefined, 'GET')).body.state).toBe(
      'completed',
    );
  });

  it('plays an AnnounceUrl to everyone in the conference, and refuses one that is not a full URL (21402)', async () => {
    functions.answer(
      '/twilio/announce',
      '<Response><Say>The on-call engineer is joining.</Say></Response>',
    );
    const { callSid, conferenceSid } = await callerIn('call_n');
    await client.conferences(conferenceSid).update({ announceUrl: `${base()}/twilio/announce` });
    await idle();
    expect(functions.to('/twilio/announce').at(-1)).toMatchObject({
      signed: true,
      params: { ConferenceSid: conferenceSid },
    });
    const { body } = await sim(`/sim/calls/${callSid}/updates?after=0`, undefined, 'GET');
    expect(body.updates.at(-1)!.notice).toEqual({
      kind: 'announcement',
      conference: 'aurora-call_n',
      said: ['The on-call engineer is joining.'],
    });
    expect(
      await refusal(client.conferences(conferenceSid).update({ announceUrl: '/announce' })),
    ).toEqual({ status: 400, code: 21402 });
  });
});

describe('calls the functions place', () => {
  const legTwiml = (callId: string) =>
    `<Response><Gather numDigits="1" action="${amp(`${base()}/twilio/leg?call=${callId}&role=supervisor&who=ana`)}"><Say>Aurora: your call with Priya is ready. Press 1 to join.</Say></Gather><Say>Goodbye.</Say><Hangup/></Response>`;
  const place = (to: string, callId: string) =>
    client.calls.create({
      to,
      from: HOTLINE,
      twiml: legTwiml(callId),
      statusCallback: `${base()}/twilio/leg-status?call=${callId}`,
      statusCallbackEvent: ['answered', 'completed'],
      timeout: 25,
      timeLimit: 600,
    });
  const statusPosts = (sid: string) =>
    functions.to('/twilio/leg-status').filter((r) => r.params.CallSid === sid);

  it('rings, answers, presses 1 at the Gather and joins the conference the answer dials; answered, then completed with CallDuration, and no AnsweredBy', async () => {
    const { conferenceSid } = await callerIn('call_p');
    const placed = await place('+15550142001', 'call_p');
    expect(placed.status).toBe('queued');
    await idle();
    const [answered] = statusPosts(placed.sid);
    expect(answered).toMatchObject({
      signed: true,
      params: {
        CallStatus: 'in-progress',
        Direction: 'outbound-api',
        To: '+15550142001',
        From: HOTLINE,
        CallbackSource: 'call-progress-events',
      },
    });
    expect(answered!.params).not.toHaveProperty('AnsweredBy');
    expect(functions.to('/twilio/leg').at(-1)).toMatchObject({
      signed: true,
      query: { call: 'call_p', role: 'supervisor', who: 'ana' },
      params: { CallSid: placed.sid, Digits: '1' },
    });
    const leg = (await sim(`/sim/calls/${placed.sid}`, undefined, 'GET')).body;
    expect(leg).toMatchObject({
      state: 'in-progress',
      heard: ['Aurora: your call with Priya is ready. Press 1 to join.'],
      conference: { sid: conferenceSid, name: 'aurora-call_p' },
      transcriptions: [`leg-${placed.sid}`],
    });
    expect(api.placedCalls.at(-1)).toMatchObject({
      sid: placed.sid,
      statusCallbackEvent: ['answered', 'completed'],
      timeout: 25,
      timeLimit: 600,
    });

    await client.calls(placed.sid).update({ status: 'completed' });
    await idle();
    expect(statusPosts(placed.sid).at(-1)!.params).toMatchObject({
      CallStatus: 'completed',
      CallDuration: expect.stringMatching(/^\d+$/),
    });
    expect(conferencePosts('call_p').at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'participant-leave',
      CallSid: placed.sid,
      ParticipantCallStatus: 'completed',
    });
    expect((await client.calls(placed.sid).fetch()).status).toBe('completed');
  });

  it.each(['busy', 'no-answer', 'failed'] as const)(
    'a number that is %s posts only the completed event with that CallStatus and CallDuration 0',
    async (outcome) => {
      const number = '+15550142002';
      await sim(`/sim/phones/${encodeURIComponent(number)}`, { outcome }, 'PUT');
      try {
        const placed = await place(number, 'call_q');
        await idle();
        expect(statusPosts(placed.sid).map((p) => p.params)).toEqual([
          expect.objectContaining({ CallStatus: outcome, CallDuration: '0' }),
        ]);
        expect(functions.to('/twilio/leg').filter((r) => r.params.CallSid === placed.sid)).toEqual(
          [],
        );
        expect((await client.calls(placed.sid).fetch()).status).toBe(outcome);
      } finally {
        await sim(`/sim/phones/${encodeURIComponent(number)}`, undefined, 'DELETE');
      }
    },
  );

  it('a person who presses nothing hears the prompt and the goodbye, and the call ends', async () => {
    const number = '+15550142003';
    await sim(
      `/sim/phones/${encodeURIComponent(number)}`,
      { outcome: 'answers', presses: '' },
      'PUT',
    );
    const placed = await place(number, 'call_r');
    await idle();
    expect((await sim(`/sim/calls/${placed.sid}`, undefined, 'GET')).body).toMatchObject({
      state: 'completed',
      heard: ['Aurora: your call with Priya is ready. Press 1 to join.', 'Goodbye.'],
    });
    expect(functions.to('/twilio/leg').filter((r) => r.params.CallSid === placed.sid)).toEqual([]);
    expect(statusPosts(placed.sid).map((p) => p.params.CallStatus)).toEqual([
      'in-progress',
      'completed',
    ]);
  });

  it('cancels a call still ringing', async () => {
    api.network.ringMs = 60_000;
    try {
      const placed = await place('+15550142004', 'call_c');
      expect((await client.calls(placed.sid).update({ status: 'canceled' })).status).toBe(
        'canceled',
      );
      await idle();
      expect(statusPosts(placed.sid).map((p) => p.params.CallStatus)).toEqual(['canceled']);
    } finally {
      api.network.ringMs = 0;
    }
  });

  it('ends an answered call at its TimeLimit', async () => {
    const placed = await client.calls.create({
      to: '+15550142005',
      from: HOTLINE,
      twiml: humanTwiml('call_l', 'x', 'oncall', '+15550142005', false),
      timeLimit: 1,
    });
    await idle();
    expect((await client.calls(placed.sid).fetch()).status).toBe('in-progress');
    await new Promise((r) => setTimeout(r, 1100));
    await idle();
    expect((await client.calls(placed.sid).fetch()).status).toBe('completed');
  });

  it('refuses a StatusCallbackEvent Twilio does not know (21626) and a StatusCallback that is not a URL (21609)', async () => {
    const twiml = '<Response><Say>Hello</Say></Response>';
    expect(
      await refusal(
        client.calls.create({
          to: '+15550142006',
          from: HOTLINE,
          twiml,
          statusCallback: `${base()}/twilio/leg-status`,
          statusCallbackEvent: ['answered', 'hungup'],
        }),
      ),
    ).toEqual({ status: 400, code: 21626 });
    expect(
      await refusal(
        client.calls.create({
          to: '+15550142006',
          from: HOTLINE,
          twiml,
          statusCallback: '/status',
        }),
      ),
    ).toEqual({ status: 400, code: 21609 });
  });

  it('keeps placing announcement calls: the phone answers and hears the words, and nothing is posted without a StatusCallback', async () => {
    const before = functions.received.length;
    const placed = await client.calls.create({
      to: '+15550142007',
      from: HOTLINE,
      twiml: '<Response><Say loop="2">Aurora safety line.</Say></Response>',
    });
    await idle();
    expect((await sim(`/sim/calls/${placed.sid}`, undefined, 'GET')).body).toMatchObject({
      state: 'completed',
      heard: ['Aurora safety line.'],
    });
    expect(functions.received.length).toBe(before);
  });
});

describe('real-time transcription callbacks', () => {
  const legWith = async (twiml: string) => {
    const callSid = newCallSid();
    await sim(`/sim/calls/${callSid}`, {}, 'PUT');
    await sim(`/sim/calls/${callSid}/twiml`, { twiml });
    return callSid;
  };

  it('stops a transcription by name with <Stop>, posting transcription-stopped', async () => {
    const url = amp(`${base()}/twilio/transcription?call=call_s&speaker=caller`);
    const callSid = await legWith(
      `<Response><Start><Transcription name="caller-call_s" statusCallbackUrl="${url}"/></Start></Response>`,
    );
    expect((await sim(`/sim/calls/${callSid}/speak`, { text: 'Fire in zone A.' })).status).toBe(
      200,
    );
    await sim(`/sim/calls/${callSid}/twiml`, {
      twiml: '<Response><Stop><Transcription name="caller-call_s"/></Stop></Response>',
    });
    expect(transcriptionPosts(callSid).map((p) => p.params.TranscriptionEvent)).toEqual([
      'transcription-started',
      'transcription-content',
      'transcription-stopped',
    ]);
  });

  it('posts nothing to a statusCallbackUrl that is not a full URL (17585)', async () => {
    const callSid = await legWith(
      '<Response><Start><Transcription name="x" statusCallbackUrl="/twilio/transcription"/></Start></Response>',
    );
    expect(api.network.warnings).toContainEqual(expect.objectContaining({ code: 17585, callSid }));
    expect(transcriptionPosts(callSid)).toEqual([]);
  });

  it('retries a callback answered 5xx up to three times, and a 4xx never (17580)', async () => {
    functions.answer('/twilio/flaky', 503);
    functions.answer('/twilio/refused', 400);
    const flaky = await legWith(
      `<Response><Start><Transcription statusCallbackUrl="${base()}/twilio/flaky"/></Start></Response>`,
    );
    const refused = await legWith(
      `<Response><Start><Transcription statusCallbackUrl="${base()}/twilio/refused"/></Start></Response>`,
    );
    expect(functions.to('/twilio/flaky').filter((r) => r.params.CallSid === flaky)).toHaveLength(4);
    expect(
      functions.to('/twilio/refused').filter((r) => r.params.CallSid === refused),
    ).toHaveLength(1);
  });
});

describe("what the functions' Twilio adapter meets here", () => {
  const voice = () => twilioVoice(client, HOTLINE);
  const heard = async (callSid: string) =>
    (await sim(`/sim/calls/${callSid}`, undefined, 'GET')).body.heard;

  it('plays an AnnounceUrl, fetched signed (POST), to every participant, and posts announcement-end only when the conference asked for it', async () => {
    functions.answer(
      '/twilio/announce',
      (r) => `<Response><Say voice="Polly.Lucia">${r.query.text}</Say></Response>`,
    );
    const callSid = newCallSid();
    await sim(`/sim/calls/${callSid}`, { from: '+15550100009' }, 'PUT');
    const subscribed = callerTwiml('call_an').replace(
      'statusCallbackEvent="start end join leave mute"',
      'statusCallbackEvent="start end join leave mute announcement"',
    );
    const { body } = await sim(`/sim/calls/${callSid}/twiml`, { twiml: subscribed });
    const conferenceSid = body.conference!.sid;
    const ana = await connect('call_an');
    const ben = await connect('call_an', 'listen', 'ben-uid');
    const phone = await client.calls.create({
      to: '+15550142009',
      from: HOTLINE,
      twiml: humanTwiml('call_an', 'phone', 'oncall', '+15550142009', false),
    });
    await idle();
    expect(await client.conferences(conferenceSid).participants.list()).toHaveLength(4);

    const url = `${base()}/twilio/announce?call=call_an&text=Stay+there`;
    expect(await voice().announceToConference(conferenceSid, url)).toBe('done');
    await idle();
    expect(functions.to('/twilio/announce').at(-1)).toMatchObject({
      signed: true,
      query: { call: 'call_an', text: 'Stay there' },
      params: { ConferenceSid: conferenceSid },
    });
    for (const sid of [callSid, ana.callSid, ben.callSid, phone.sid])
      expect(await heard(sid), sid).toContain('Stay there');
    expect(conferencePosts('call_an').at(-1)!.params).toMatchObject({
      StatusCallbackEvent: 'announcement-end',
      ConferenceSid: conferenceSid,
    });

    // The functions' own conferences ask for no announcement events: none is posted.
    const plain = await callerIn('call_ap');
    await voice().announceToConference(
      plain.conferenceSid,
      `${base()}/twilio/announce?call=call_ap&text=Hi`,
    );
    await idle();
    expect(await heard(plain.callSid)).toContain('Hi');
    expect(events(conferencePosts('call_ap'))).not.toContain('announcement-end');
  });

  it('says gone for a conference that has ended (400 / 16022): ending it again, or speaking into it', async () => {
    const { conferenceSid } = await callerIn('call_g');
    expect(await voice().endConference(conferenceSid)).toBe('done');
    await idle();
    expect(await voice().endConference(conferenceSid)).toBe('gone');
    expect(await voice().announceToConference(conferenceSid, `${base()}/twilio/announce`)).toBe(
      'gone',
    );
  });

  it('lists who is in the conference for the leaving rule: every page, the caller told apart by endConferenceOnExit, nobody once it ends', async () => {
    const { callSid, conferenceSid } = await callerIn('call_pl');
    const ana = await connect('call_pl');
    const ben = await connect('call_pl', 'listen', 'ben-uid');
    const listed = await voice().participants(conferenceSid);
    expect(
      listed.map((p) => [p.callSid, p.endConferenceOnExit, p.muted, p.hold, p.status]),
    ).toEqual([
      [callSid, true, false, false, 'connected'],
      [ana.callSid, false, false, false, 'connected'],
      [ben.callSid, false, true, false, 'connected'],
    ]);
    expect(callerCompanyAt(listed)).toBe('with-someone');
    // One a page: the SDK follows next_page_uri as the adapter's list() does.
    const paged = await client.conferences(conferenceSid).participants.list({ pageSize: 1 });
    expect(paged.map((p) => p.callSid)).toEqual(listed.map((p) => p.callSid));

    await sim(`/sim/clients/${ana.callSid}/hangup`);
    await idle();
    expect(callerCompanyAt(await voice().participants(conferenceSid), ana.callSid)).toBe('alone');
    expect(await voice().endConference(conferenceSid)).toBe('done');
    await idle();
    expect(await voice().participants(conferenceSid)).toEqual([]);
    expect(await voice().participants(`CF${'0'.repeat(32)}`)).toEqual([]);
  });

  it("answers a fetch of a browser leg's call and of a phone leg's (the safety net asks each joined leg's status)", async () => {
    await callerIn('call_f');
    const browser = await connect('call_f');
    expect(await client.calls(browser.callSid).fetch()).toMatchObject({
      sid: browser.callSid,
      from: 'client:ana-uid',
      status: 'in-progress',
    });
    expect(await voice().status(browser.callSid)).toBe('live');
    const phone = await client.calls.create({
      to: '+15550142010',
      from: HOTLINE,
      twiml: humanTwiml('call_f', 'phone', 'oncall', '+15550142010', false),
    });
    await idle();
    expect((await client.calls(phone.sid).fetch()).status).toBe('in-progress');
    expect(await voice().status(phone.sid)).toBe('live');

    await sim(`/sim/clients/${browser.callSid}/hangup`);
    expect(await voice().hangUp(phone.sid)).toBe('done');
    await idle();
    expect((await client.calls(browser.callSid).fetch()).status).toBe('completed');
    expect(await voice().status(browser.callSid)).toBe('ended');
    expect(await voice().status(phone.sid)).toBe('ended');
    expect(await voice().status(newCallSid())).toBe('ended'); // one Twilio never had: 404
  });
});
