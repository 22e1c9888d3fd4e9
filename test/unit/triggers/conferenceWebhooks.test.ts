/** The conference webhooks as Twilio meets them: signed form posts, the query each URL names, and answers that never cut the caller off. */
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import {
  announceWebhook,
  browserWebhook,
  conferenceWebhook,
  legStatusWebhook,
  legWebhook,
  rejoinWebhook,
} from '../../../functions/src/triggers/conferenceWebhooks';
import { twilioWebhook, type Webhook } from '../../../functions/src/triggers/twilioWebhook';
import type { Deps } from '../../../functions/src/ports';
import { callerTranscription } from '../../../functions/src/core/conference';
import type { z } from 'zod';
import {
  ANA,
  ANA_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  conferenceCall,
} from '../../helpers/conference';

const TOKEN = 'test-token';
const BASE = 'https://aurora.example.com';

/** Posts `body` to `pathAndQuery` as Twilio would, signed; resolves the status and the text answered. */
async function post<S extends z.ZodType>(
  webhook: Webhook<S>,
  deps: Deps,
  pathAndQuery: string,
  body: Record<string, string>,
) {
  const handle = twilioWebhook(
    webhook,
    () => TOKEN,
    () => deps,
  );
  const signature = twilioWebhooks.getExpectedTwilioSignature(
    TOKEN,
    `${BASE}${pathAndQuery}`,
    body,
  );
  const res = {
    code: 0,
    text: '',
    status(c: number) {
      this.code = c;
      return this;
    },
    set() {
      return this;
    },
    type() {
      return this;
    },
    send(t: string) {
      this.text = t;
      return this;
    },
  };
  await handle(
    {
      method: 'POST',
      body,
      originalUrl: pathAndQuery,
      get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
    } as never,
    res as never,
  );
  return { status: res.code, text: res.text };
}

describe('POST /twilio/browser', () => {
  it("joins the holder's browser, taking the connect params from the form", async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const { status, text } = await post(browserWebhook, world.deps, '/twilio/browser', {
      CallSid: ANA_BROWSER,
      From: `client:${ANA.uid}`,
      To: '',
      callId: CALL_ID,
      mode: 'talk',
    });
    expect(status).toBe(200);
    expect(text).toContain('<Conference muted="false"');
    expect(world.voice.sent.at(-1)!.callSid).toBe(CALLER);
  });

  it('refuses a malformed mode or call id with a 400, and a deadline answers the leg without moving anyone', async () => {
    const world = await conferenceCall();
    for (const bad of [
      { mode: 'shout', callId: CALL_ID },
      { mode: 'talk', callId: '../admins' },
    ])
      expect(
        (
          await post(browserWebhook, world.deps, '/twilio/browser', {
            CallSid: ANA_BROWSER,
            From: `client:${ANA.uid}`,
            ...bad,
          })
        ).status,
      ).toBe(400);
    const late = browserWebhook.answerWithin!.fallback(
      {} as never,
      world.deps,
      new URLSearchParams(),
      {} as never,
    );
    expect(late).toContain(
      '<Say>Aurora could not connect you in time. Please try again.</Say><Hangup/>',
    );
  });
});

describe('POST /twilio/leg and /twilio/leg-status', () => {
  it('reads who the leg is from the query it was given, and refuses a query that does not say', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await controlCall({ action: 'transfer', callId: CALL_ID, to: '+15550190001' }, ANA, world.deps);
    const leg = world.lastLeg();
    const query = `?call=${CALL_ID}&role=oncall&who=%2B15550190001`;
    expect(
      (
        await post(legWebhook, world.deps, `/twilio/leg?call=${CALL_ID}&role=boss&who=x`, {
          CallSid: leg.sid,
          Digits: '1',
        })
      ).status,
    ).toBe(400);
    const busy = await post(legStatusWebhook, world.deps, `/twilio/leg-status${query}`, {
      CallSid: leg.sid,
      To: '+15550190001',
      CallStatus: 'busy',
    });
    expect(busy).toEqual({
      status: 200,
      text: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
    });
    expect((await world.members())[leg.sid].state).toBe('busy');
    const pressed = await post(legWebhook, world.deps, `/twilio/leg${query}`, {
      CallSid: leg.sid,
      Digits: '1',
    });
    expect(pressed.text).toContain('You are no longer needed on this call. Goodbye.');
  });
});

describe('POST /twilio/conference', () => {
  it('records the conference from its status callback form, and refuses one that names no call', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    const form = {
      ConferenceSid: CONFERENCE,
      FriendlyName: (await world.call())!.conference!.name,
      StatusCallbackEvent: 'participant-mute',
      CallSid: ANA_BROWSER,
      Muted: 'true',
      Hold: 'false',
      SequenceNumber: '3',
    };
    expect(
      (await post(conferenceWebhook, world.deps, `/twilio/conference?call=${CALL_ID}`, form))
        .status,
    ).toBe(200);
    expect((await world.members())[ANA_BROWSER].muted).toBe(true);
    expect((await post(conferenceWebhook, world.deps, '/twilio/conference', form)).status).toBe(
      400,
    );
  });

  it("reads the participant's own call status on participant-leave: the caller's leg completed is the caller hanging up", async () => {
    const world = await conferenceCall();
    await world.talk();
    const leave = {
      ConferenceSid: CONFERENCE,
      FriendlyName: (await world.call())!.conference!.name,
      StatusCallbackEvent: 'participant-leave',
      CallSid: CALLER,
      Muted: 'false',
      Hold: 'false',
      SequenceNumber: '5',
      ParticipantCallStatus: 'completed',
      ReasonParticipantLeft: 'participant_hung_up',
    };
    const url = `/twilio/conference?call=${CALL_ID}`;
    expect((await post(conferenceWebhook, world.deps, url, leave)).status).toBe(200);
    expect((await world.call())!.conference).toMatchObject({
      caller_in: false,
      members: { [ANA_BROWSER]: { state: 'left' } },
    });
    expect((await world.notes()).at(-1)).toBe('The caller hung up during the voice conference.');
    const odd = { ...leave, ParticipantCallStatus: 'Completed<script>' };
    expect((await post(conferenceWebhook, world.deps, url, odd)).status).toBe(400);
  });
});

describe('POST /twilio/rejoin', () => {
  it('returns the caller to Aurora, and never hangs up on them, even when our handler fails or runs out of time', async () => {
    const world = await conferenceCall();
    await world.talk();
    const back = await post(rejoinWebhook, world.deps, `/twilio/rejoin?call=${CALL_ID}`, {
      CallSid: CALLER,
      CallStatus: 'in-progress',
      DialCallStatus: 'answered',
    });
    expect(back.status).toBe(200);
    expect(back.text).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop><Gather`,
    );
    const failed = rejoinWebhook.onFailure!(world.deps);
    const late = rejoinWebhook.answerWithin!.fallback(
      {} as never,
      world.deps,
      new URLSearchParams({ call: CALL_ID }),
      {} as never,
    );
    for (const twiml of [failed, late]) {
      expect(twiml).toContain('<Gather');
      expect(twiml).not.toContain('<Hangup');
    }
    expect(late).toContain(`<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`);
  });

  it("stops the caller's transcription by name when our handler fails, from the call id in its query (A3)", async () => {
    const world = await conferenceCall();
    await world.talk();
    world.live.get = async () => {
      throw new Error('database unavailable');
    };
    world.live.transact = async () => {
      throw new Error('database unavailable');
    };
    const failed = rejoinWebhook.onFailure!(world.deps, new URLSearchParams({ call: CALL_ID }));
    expect(failed).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop><Gather`,
    );
    expect(
      rejoinWebhook.onFailure!(world.deps, new URLSearchParams({ call: '../x' })),
    ).not.toContain('<Stop>');
  });
});

describe('POST /twilio/announce', () => {
  const KEY = '-Oabc123DEF456ghi789';
  const url = (key: string) =>
    `/twilio/announce?${new URLSearchParams({ call: CALL_ID, key }).toString()}`;
  const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

  it("answers the typed words kept under the URL's key in the caller's voice, once, whatever Twilio posts with it", async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.live.update({
      [`active_calls/${CALL_ID}/language`]: 'es',
      [`active_calls/${CALL_ID}/conference/announcements/${KEY}`]: 'Quédese donde está & espere',
    });
    const spoken = await post(announceWebhook, world.deps, url(KEY), {
      AccountSid: `AC${'0'.repeat(32)}`,
      ConferenceSid: CONFERENCE,
    });
    expect(spoken).toEqual({
      status: 200,
      text:
        '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Say voice="Polly.Lucia" language="es-ES">Quédese donde está &amp; espere</Say></Response>',
    });
    // Deleted once spoken: the same URL again, or an unknown key, says nothing.
    expect(await world.live.get(`active_calls/${CALL_ID}/conference/announcements`)).toBeNull();
    expect(await post(announceWebhook, world.deps, url(KEY), {})).toEqual({
      status: 200,
      text: EMPTY,
    });
  });

  it('says nothing when the call cannot be read, or not in time; refuses a query without a key or call, or with words in it', async () => {
    const world = await conferenceCall();
    const get = world.live.get.bind(world.live);
    world.live.get = async () => {
      throw new Error('database unavailable');
    };
    expect((await post(announceWebhook, world.deps, url(KEY), {})).text).toBe(EMPTY);
    world.live.get = get;
    const late = announceWebhook.answerWithin!.fallback(
      {} as never,
      world.deps,
      new URLSearchParams({ call: CALL_ID, key: KEY }),
      {} as never,
    );
    expect(late).toBe(EMPTY);
    for (const bad of [
      `/twilio/announce?call=${CALL_ID}`,
      `/twilio/announce?call=${CALL_ID}&key=Stay%20there%2C%20help%20is%20coming`,
      `/twilio/announce?call=..%2Fadmins&key=${KEY}`,
    ])
      expect((await post(announceWebhook, world.deps, bad, {})).status, bad).toBe(400);
  });
});
