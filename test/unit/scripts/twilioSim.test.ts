/**
 * The simulated caller (scripts/lib/twilio-sim.ts) in a conference: moved in by a call update,
 * it hands the transcription and the conference to the REST stand-in, hears who joins and what
 * they say, speaks into the conference instead of a Gather, and when the conference ends (or it
 * is removed) asks its <Dial action> what next, signed, and goes on with the answer. A tiny
 * local server stands for the functions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioClient } from '../../../functions/src/adapters/twilioVoice';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';
import type { ConferenceNotice } from '../../../scripts/lib/twilio-calls.ts';
import { SimulatedCall } from '../../../scripts/lib/twilio-sim.ts';
import { parseTwimlDoc } from '../../../scripts/lib/twiml-doc.ts';
import { WebhookServer } from '../../helpers/webhookServer.ts';

const account = { accountSid: `AC${'0'.repeat(31)}3`, authToken: 'sim-token', smsFrom: '' };
const functions = new WebhookServer(account.authToken);
let api: TwilioApiServer;
let client: ReturnType<typeof twilioClient>;
const amp = (s: string) => s.replace(/&/g, '&amp;');
const base = () => functions.baseUrl;
const gather = (said: string) =>
  `<Response><Say>${said}</Say><Gather input="speech" action="${base()}/twilio/turn"/></Response>`;

beforeAll(async () => {
  await functions.start();
  api = await new TwilioApiServer(account, { publicBaseUrl: functions.baseUrl, ringMs: 0 }).start();
  client = twilioClient({ ...account, apiBaseUrl: api.baseUrl });
  functions.answer('/twilio/voice', gather('Aurora safety line. What is happening?'));
  functions.answer('/twilio/turn', (r) => gather(`You said: ${r.params.SpeechResult ?? ''}`));
  functions.answer('/twilio/rejoin', (r) =>
    r.query.call
      ? `<Response><Stop><Transcription name="caller-${r.query.call}"/></Stop><Say>Aurora is back with you.</Say><Gather input="speech" action="${base()}/twilio/turn"/></Response>`
      : 500,
  );
  functions.answer(
    '/twilio/browser',
    (r) =>
      `<Response><Start><Transcription name="leg-${r.params.CallSid}" track="inbound_track" statusCallbackUrl="${amp(`${base()}/twilio/transcription?call=${r.params.callId}&speaker=supervisor&who=ana`)}"/></Start><Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="false">aurora-${r.params.callId}</Conference></Dial></Response>`,
  );
});
afterAll(async () => {
  await api.stop();
  await functions.stop();
});

/** The caller's move into the conference, as the contract has the functions build it. */
const intoConference = (callId: string, action = true) =>
  `<Response><Say>A supervisor is joining the call.</Say><Start><Transcription name="caller-${callId}" track="inbound_track" statusCallbackUrl="${amp(`${base()}/twilio/transcription?call=${callId}&speaker=caller`)}"/></Start><Dial${action ? ` action="${amp(`${base()}/twilio/rejoin?call=${callId}`)}"` : ''}><Conference startConferenceOnEnter="true" endConferenceOnExit="true" statusCallback="${amp(`${base()}/twilio/conference?call=${callId}`)}" statusCallbackEvent="start end join leave">aurora-${callId}</Conference></Dial></Response>`;

async function answeredCall() {
  const notices: ConferenceNotice[] = [];
  const call = new SimulatedCall({
    baseUrl: base(),
    authToken: account.authToken,
    from: '+15550100001',
    twilioApi: api.baseUrl,
    onConference: (notice) => notices.push(notice),
  });
  await call.ring();
  return { call, notices };
}

const connectBrowser = async (callId: string) => {
  const res = await fetch(`${api.baseUrl}/sim/clients/connect`, {
    method: 'POST',
    body: JSON.stringify({ identity: 'ana-uid', params: { callId, mode: 'talk' } }),
  });
  return ((await res.json()) as { callSid: string }).callSid;
};
const speak = (callSid: string, text: string) =>
  fetch(`${api.baseUrl}/sim/calls/${callSid}/speak`, {
    method: 'POST',
    body: JSON.stringify({ text }),
  });
const conferenceOf = async (callId: string) =>
  (await client.conferences.list({ friendlyName: `aurora-${callId}` }))[0]!;
const posted = (path: string, callSid: string) =>
  functions.to(path).filter((r) => r.params.CallSid === callSid);

describe('a simulated caller moved into a conference', () => {
  it('hears the line, joins, hears who joins and what they say, and speaks into the conference', async () => {
    const { call, notices } = await answeredCall();
    await call.say('There is a fire');
    await client.calls(call.callSid).update({ twiml: intoConference('call_s1') });
    const moved = await call.nextUpdate();
    expect(moved).toMatchObject({
      said: ['A supervisor is joining the call.'],
      gatherAction: null,
      hungUp: false,
      conference: { name: 'aurora-call_s1', members: [] },
    });
    expect(call.conference).toMatchObject({
      name: 'aurora-call_s1',
      dialAction: `${base()}/twilio/rejoin?call=call_s1`,
    });
    expect(posted('/twilio/transcription', call.callSid)[0]!.params.TranscriptionEvent).toBe(
      'transcription-started',
    );

    const browser = await connectBrowser('call_s1');
    await speak(browser, 'I am here, stay with me.');
    expect(await call.nextUpdate(200)).toBeNull(); // nothing to play: only news
    expect(notices).toEqual([
      { kind: 'join', conference: 'aurora-call_s1', callSid: browser, who: 'client:ana-uid' },
      {
        kind: 'spoken',
        conference: 'aurora-call_s1',
        callSid: browser,
        who: 'client:ana-uid',
        text: 'I am here, stay with me.',
      },
    ]);
    expect(call.conference!.heard).toEqual([
      { who: 'client:ana-uid', text: 'I am here, stay with me.' },
    ]);

    const turns = functions.to('/twilio/turn').length;
    expect((await call.say('My leg is trapped')).status).toBe(200);
    expect(functions.to('/twilio/turn').length).toBe(turns); // no Gather while in the conference
    const content = posted('/twilio/transcription', call.callSid).at(-1)!;
    expect(content.params).toMatchObject({
      TranscriptionEvent: 'transcription-content',
      Final: 'true',
    });
    expect(JSON.parse(content.params.TranscriptionData!).transcript).toBe('My leg is trapped');
  });

  it('when the conference ends, asks its <Dial action> (signed) and goes back to Aurora’s Gather', async () => {
    const { call } = await answeredCall();
    await client.calls(call.callSid).update({ twiml: intoConference('call_s2') });
    await call.nextUpdate();
    await connectBrowser('call_s2');
    await client.conferences((await conferenceOf('call_s2')).sid).update({ status: 'completed' });

    const back = await call.nextUpdate();
    expect(back).toMatchObject({
      leftConference: 'ended',
      said: ['Aurora is back with you.'],
      gatherAction: `${base()}/twilio/turn`,
      hungUp: false,
    });
    expect(call.conference).toBeNull();
    expect(posted('/twilio/rejoin', call.callSid)).toEqual([
      expect.objectContaining({
        signed: true,
        query: { call: 'call_s2' },
        params: expect.objectContaining({
          CallStatus: 'in-progress',
          DialCallStatus: 'answered',
          From: '+15550100001',
        }),
      }),
    ]);
    // The rejoin answer stops the caller's transcription: Aurora's own turns are not transcribed twice.
    expect(posted('/twilio/transcription', call.callSid).at(-1)!.params.TranscriptionEvent).toBe(
      'transcription-stopped',
    );
    expect((await call.say('Thank you')).said).toEqual(['You said: Thank you']);
  });

  it('removed from the conference, leaves it (which it ends) and goes back to Aurora', async () => {
    const { call } = await answeredCall();
    await client.calls(call.callSid).update({ twiml: intoConference('call_s3') });
    await call.nextUpdate();
    const conference = await conferenceOf('call_s3');
    await client.conferences(conference.sid).participants(call.callSid).remove();
    expect(await call.nextUpdate()).toMatchObject({
      leftConference: 'kicked',
      said: ['Aurora is back with you.'],
    });
    expect((await client.conferences(conference.sid).fetch()).reasonConferenceEnded).toBe(
      'participant-with-end-conference-on-exit-kicked',
    );
  });

  it('with no <Dial action>, is hung up when the conference ends: the document has run out', async () => {
    const { call } = await answeredCall();
    await client.calls(call.callSid).update({ twiml: intoConference('call_s4', false) });
    await call.nextUpdate();
    await client.conferences((await conferenceOf('call_s4')).sid).update({ status: 'completed' });
    expect(await call.nextUpdate()).toMatchObject({ leftConference: 'ended', hungUp: true });
    expect(posted('/twilio/status', call.callSid).at(-1)!.params.CallStatus).toBe('completed');
  });

  it('is hung up when its <Dial action> fails, as Twilio ends a call whose next TwiML it cannot fetch', async () => {
    const { call } = await answeredCall();
    const broken = intoConference('call_s7').replace(
      '/twilio/rejoin?call=call_s7',
      '/twilio/rejoin',
    );
    await client.calls(call.callSid).update({ twiml: broken });
    await call.nextUpdate();
    await client.conferences((await conferenceOf('call_s7')).sid).update({ status: 'completed' });
    expect(await call.nextUpdate()).toMatchObject({ leftConference: 'ended', hungUp: true });
    expect(posted('/twilio/status', call.callSid).at(-1)!.params.CallStatus).toBe('completed');
  });

  it('taken out by a new call update, plays it without asking its <Dial action>', async () => {
    const { call } = await answeredCall();
    await client.calls(call.callSid).update({ twiml: intoConference('call_s5') });
    await call.nextUpdate();
    await connectBrowser('call_s5');
    await client.calls(call.callSid).update({ twiml: gather('Aurora here again.') });
    expect(await call.nextUpdate()).toMatchObject({
      said: ['Aurora here again.'],
      gatherAction: `${base()}/twilio/turn`,
    });
    expect(call.conference).toBeNull();
    expect(posted('/twilio/rejoin', call.callSid)).toEqual([]);
    const leave = functions
      .to('/twilio/conference')
      .filter((r) => r.query.call === 'call_s5' && r.params.CallSid === call.callSid)
      .at(-1)!;
    expect(leave.params.StatusCallbackEvent).toBe('participant-leave');
  });

  it('hanging up ends the conference it is in', async () => {
    const { call } = await answeredCall();
    await client.calls(call.callSid).update({ twiml: intoConference('call_s6') });
    await call.nextUpdate();
    const browser = await connectBrowser('call_s6');
    await call.status('completed');
    const conference = await conferenceOf('call_s6');
    expect(conference.status).toBe('completed');
    expect((await client.calls(browser).fetch()).status).toBe('completed');
  });
});

describe('TwiML as the stand-in reads it', () => {
  it('reads verbs, nested nouns, attributes and entities, skipping the declaration and comments', () => {
    const verbs = parseTwimlDoc(
      `<?xml version="1.0" encoding="UTF-8"?><!-- a comment --><Response>
        <Say voice='alice'>Tom &amp; Jerry &lt;3</Say>
        <Start><Transcription name="caller-x" statusCallbackUrl="https://a.example/t?x=1&amp;y=2"/></Start>
        <Dial action="https://a.example/rejoin"><Conference muted="true"> aurora-call_1 </Conference></Dial>
        <Hangup/>
      </Response>`,
    );
    expect(verbs.map((v) => v.name)).toEqual(['Say', 'Start', 'Dial', 'Hangup']);
    expect(verbs[0]).toMatchObject({ attrs: { voice: 'alice' }, text: 'Tom & Jerry <3' });
    expect(verbs[1]!.children[0]!.attrs.statusCallbackUrl).toBe('https://a.example/t?x=1&y=2');
    expect(verbs[2]!.children[0]).toMatchObject({
      attrs: { muted: 'true' },
      text: 'aurora-call_1',
    });
    expect(parseTwimlDoc('not TwiML')).toEqual([]);
  });
});
