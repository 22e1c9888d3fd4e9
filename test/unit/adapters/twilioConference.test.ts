/**
 * The conference side of the Twilio adapter (issue 24) through the real twilio SDK, against a
 * small local server that records what the SDK sends and answers as Twilio's REST API would,
 * errors included: the form fields of each request, and how each answer maps back.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  recordingVoice,
  twilioClient,
  twilioVoice,
  unconfiguredVoice,
} from '../../../functions/src/adapters/twilioVoice';
import { AuroraError, NotConfigured } from '../../../functions/src/core/errors';

const ACCOUNT = `AC${'0'.repeat(31)}7`;
const FROM = '+15550199999';
const CONFERENCE = `CF${'a'.repeat(32)}`;
const LEG = `CA${'b'.repeat(32)}`;
const PLACED = `CA${'c'.repeat(32)}`;
const CALLER_LEG = `CA${'d'.repeat(32)}`;
const ROOT = `/2010-04-01/Accounts/${ACCOUNT}`;

type Seen = {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string[]>;
};
const seen: Seen[] = [];
/** What the server answers next (status and JSON body); a 200 of the resource otherwise. */
let next: { status: number; body: object } | null = null;

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
  });

/** Two participants a page: the caller, then a muted listener on the next page. */
const PARTICIPANTS = `${ROOT}/Conferences/${CONFERENCE}/Participants.json`;
const participantPage = (page: number) => ({
  participants: [
    page === 0
      ? {
          call_sid: CALLER_LEG,
          end_conference_on_exit: true,
          muted: false,
          hold: false,
          status: 'connected',
          label: null,
        }
      : {
          call_sid: LEG,
          end_conference_on_exit: false,
          muted: true,
          hold: false,
          status: 'connected',
          label: null,
        },
  ],
  page,
  page_size: 1,
  uri: `${PARTICIPANTS}?PageSize=1&Page=${page}`,
  next_page_uri: page === 0 ? `${PARTICIPANTS}?PageSize=1&Page=1` : null,
});

function answer(path: string, query: URLSearchParams): object {
  if (path === PARTICIPANTS) return participantPage(Number(query.get('Page') ?? 0));
  if (path === `${ROOT}/Calls.json`) return { sid: PLACED, status: 'queued' };
  if (path === `${ROOT}/Conferences.json`)
    return {
      conferences: [{ sid: CONFERENCE, friendly_name: 'aurora-x', status: 'in-progress' }],
      next_page_uri: null,
      page: 0,
      page_size: 1,
      uri: path,
    };
  if (path.includes('/Participants/'))
    return { call_sid: LEG, conference_sid: CONFERENCE, muted: true };
  return { sid: CONFERENCE, status: 'completed' };
}

let server: Server;
let voice: ReturnType<typeof twilioVoice>;

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((raw) => {
      const url = new URL(req.url!, 'http://localhost');
      const form: Record<string, string[]> = {};
      for (const [key, value] of new URLSearchParams(raw)) (form[key] ??= []).push(value);
      seen.push({
        method: req.method!,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        form,
      });
      const { status, body } = next ?? {
        status: 200,
        body: answer(url.pathname, url.searchParams),
      };
      next = null;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = twilioClient({
    accountSid: ACCOUNT,
    authToken: 'test-token',
    apiBaseUrl: `http://127.0.0.1:${port}`,
    smsFrom: FROM,
  });
  voice = twilioVoice(client, FROM);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  next = null;
});

const refusal = (status: number, code: number, message: string) => ({
  status,
  body: { status, code, message, more_info: `https://www.twilio.com/docs/errors/${code}` },
});

describe('twilioVoice, conferences', () => {
  it('rings a phone leg with the Calls API: inline TwiML from the hotline, its status callback, ring time and time limit', async () => {
    const twiml = '<Response><Gather numDigits="1"><Say>Press 1 to join.</Say></Gather></Response>';
    expect(
      await voice.dial('+15550190001', twiml, {
        statusCallback:
          'https://aurora.example.com/twilio/leg-status?call=call_1&role=oncall&who=%2B15550190001',
        ringSeconds: 25,
        timeLimitSeconds: 3600,
      }),
    ).toEqual({ sid: PLACED });
    expect(seen).toEqual([
      {
        method: 'POST',
        path: `${ROOT}/Calls.json`,
        query: {},
        form: {
          To: ['+15550190001'],
          From: [FROM],
          Twiml: [twiml],
          StatusCallback: [
            'https://aurora.example.com/twilio/leg-status?call=call_1&role=oncall&who=%2B15550190001',
          ],
          StatusCallbackMethod: ['POST'],
          StatusCallbackEvent: ['answered', 'completed'],
          Timeout: ['25'],
          TimeLimit: ['3600'],
        },
      },
    ]);
    await voice.dial('+15550170001', twiml, { statusCallback: 'https://x/y', ringSeconds: 25 });
    expect(seen.at(-1)!.form.TimeLimit).toBeUndefined();
  });

  it('says why Twilio refused a leg, and whether trying again can help', async () => {
    next = refusal(400, 21215, 'Account not authorized to call +882345678901');
    const refused = await voice
      .dial('+882345678901', '<Response/>', { statusCallback: 'https://x/y', ringSeconds: 25 })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AuroraError);
    expect((refused as AuroraError).message).toBe(
      'Ringing ***8901 failed: Twilio error 21215: Account not authorized to call +882345678901',
    );
    expect((refused as AuroraError).retryable).toBe(false);
    next = refusal(429, 20429, 'Too Many Requests');
    await expect(
      voice.dial('+15550190001', '<Response/>', { statusCallback: 'https://x/y', ringSeconds: 25 }),
    ).rejects.toMatchObject({ retryable: true });
    await expect(
      voice.dial('+15550190001', `<Response><Say>${'x'.repeat(4000)}</Say></Response>`, {
        statusCallback: 'https://x/y',
        ringSeconds: 25,
      }),
    ).rejects.toThrow("over Twilio's 4000");
  });

  it('mutes and unmutes a participant (Muted), and says gone for one no longer there', async () => {
    expect(await voice.muteMember(CONFERENCE, LEG, true)).toBe('done');
    expect(await voice.muteMember(CONFERENCE, LEG, false)).toBe('done');
    expect(seen.map((s) => [s.method, s.path, s.form])).toEqual([
      ['POST', `${ROOT}/Conferences/${CONFERENCE}/Participants/${LEG}.json`, { Muted: ['true'] }],
      ['POST', `${ROOT}/Conferences/${CONFERENCE}/Participants/${LEG}.json`, { Muted: ['false'] }],
    ]);
    next = refusal(404, 20404, 'The requested resource was not found');
    expect(await voice.muteMember(CONFERENCE, LEG, true)).toBe('gone');
    next = refusal(500, 20500, 'Internal Server Error');
    await expect(voice.muteMember(CONFERENCE, LEG, true)).rejects.toMatchObject({
      message: 'Muting the line failed: Twilio error 20500: Internal Server Error',
      retryable: true,
    });
  });

  it('ends a conference (Status=completed), and says gone for one that has ended', async () => {
    expect(await voice.endConference(CONFERENCE)).toBe('done');
    expect(seen.map((s) => [s.method, s.path, s.form])).toEqual([
      ['POST', `${ROOT}/Conferences/${CONFERENCE}.json`, { Status: ['completed'] }],
    ]);
    next = refusal(404, 20404, 'The requested resource was not found');
    expect(await voice.endConference(CONFERENCE)).toBe('gone');
    next = refusal(400, 21220, 'Call is not in-progress');
    expect(await voice.endConference(CONFERENCE)).toBe('gone');
    next = refusal(401, 20003, 'Authenticate');
    await expect(voice.endConference(CONFERENCE)).rejects.toThrow(
      'Ending the conference failed: Twilio error 20003: Authenticate',
    );
  });

  it('says gone for a conference that has already ended: Twilio answers 400 / 16022 to its update', async () => {
    next = refusal(400, 16022, `Conference ${CONFERENCE} does not exist or is completed`);
    expect(await voice.endConference(CONFERENCE)).toBe('gone');
    next = refusal(400, 16022, `Conference ${CONFERENCE} does not exist or is completed`);
    expect(await voice.muteMember(CONFERENCE, LEG, true)).toBe('gone');
  });

  it('speaks into a conference by its AnnounceUrl (POST), says gone for one that has ended, and why Twilio refused', async () => {
    const url = 'https://aurora.example.com/twilio/announce?call=call_1&text=Stay+there';
    expect(await voice.announceToConference(CONFERENCE, url)).toBe('done');
    expect(seen.map((s) => [s.method, s.path, s.form])).toEqual([
      [
        'POST',
        `${ROOT}/Conferences/${CONFERENCE}.json`,
        { AnnounceUrl: [url], AnnounceMethod: ['POST'] },
      ],
    ]);
    next = refusal(400, 16022, `Conference ${CONFERENCE} does not exist or is completed`);
    expect(await voice.announceToConference(CONFERENCE, url)).toBe('gone');
    next = refusal(400, 21402, 'AnnounceUrl is not valid');
    await expect(voice.announceToConference(CONFERENCE, url)).rejects.toMatchObject({
      message: 'Speaking into the conference failed: Twilio error 21402: AnnounceUrl is not valid',
      retryable: false,
    });
  });

  it('finds the in-progress conference by its FriendlyName, or none', async () => {
    expect(await voice.conferenceSid('aurora-x')).toBe(CONFERENCE);
    expect(seen[0]).toMatchObject({
      method: 'GET',
      path: `${ROOT}/Conferences.json`,
      query: { FriendlyName: 'aurora-x', Status: 'in-progress' },
    });
    next = {
      status: 200,
      body: { conferences: [], next_page_uri: null, page: 0, page_size: 1, uri: '/' },
    };
    expect(await voice.conferenceSid('aurora-y')).toBeNull();
    next = refusal(503, 20503, 'Service Unavailable');
    await expect(voice.conferenceSid('aurora-z')).rejects.toMatchObject({ retryable: true });
  });
});

describe('twilioVoice, the participants list', () => {
  it('reads every page of the participants (Read multiple Participant resources), with what the leaving rule needs', async () => {
    expect(await voice.participants(CONFERENCE)).toEqual([
      {
        callSid: CALLER_LEG,
        endConferenceOnExit: true,
        muted: false,
        hold: false,
        status: 'connected',
      },
      { callSid: LEG, endConferenceOnExit: false, muted: true, hold: false, status: 'connected' },
    ]);
    expect(seen.map((s) => [s.method, s.path, s.query.Page])).toEqual([
      ['GET', PARTICIPANTS, undefined],
      ['GET', PARTICIPANTS, '1'],
    ]);
  });

  it('lists nobody in a conference Twilio no longer has (20404), and says why Twilio refused', async () => {
    next = refusal(404, 20404, 'The requested resource was not found');
    expect(await voice.participants(CONFERENCE)).toEqual([]);
    next = refusal(503, 20503, 'Service Unavailable');
    await expect(voice.participants(CONFERENCE)).rejects.toMatchObject({
      message: 'Listing the conference failed: Twilio error 20503: Service Unavailable',
      retryable: true,
    });
  });
});

describe('without a Twilio account', () => {
  it('refuses every conference request loudly when deployed', async () => {
    const unconfigured = unconfiguredVoice();
    await expect(
      unconfigured.dial('+15550190001', '<Response/>', { statusCallback: 'x', ringSeconds: 25 }),
    ).rejects.toThrow(NotConfigured);
    await expect(unconfigured.muteMember(CONFERENCE, LEG, true)).rejects.toThrow(NotConfigured);
    await expect(unconfigured.endConference(CONFERENCE)).rejects.toThrow(NotConfigured);
    await expect(unconfigured.announceToConference(CONFERENCE, 'https://x/y')).rejects.toThrow(
      NotConfigured,
    );
    await expect(unconfigured.conferenceSid('aurora-x')).rejects.toThrow(NotConfigured);
    await expect(unconfigured.participants(CONFERENCE)).rejects.toThrow(NotConfigured);
  });

  it('refuses to ring without a number to call from', async () => {
    const client = twilioClient({
      accountSid: ACCOUNT,
      authToken: 't',
      apiBaseUrl: 'http://127.0.0.1:1',
      smsFrom: '',
    });
    await expect(
      twilioVoice(client).dial('+15550190001', '<Response/>', {
        statusCallback: 'x',
        ringSeconds: 25,
      }),
    ).rejects.toThrow('No number to call from is configured (TWILIO_SMS_FROM): nobody was rung.');
  });

  it('logs a phone leg in the emulators without its words or the whole number, and finds no conference', async () => {
    const logged: Array<[string, object?]> = [];
    const log = {
      info: (m: string, d?: object) => logged.push([m, d]),
      warn: (m: string, d?: object) => logged.push([m, d]),
      error() {},
    };
    const recording = recordingVoice(log);
    expect(
      await recording.dial(
        '+15550190001',
        '<Response><Gather><Say>A critical call from Priya</Say></Gather></Response>',
        {
          statusCallback: 'x',
          ringSeconds: 25,
        },
      ),
    ).toEqual({ sid: 'CAlocal1' });
    expect(await recording.conferenceSid('aurora-x')).toBeNull();
    expect(await recording.participants(CONFERENCE)).toEqual([]);
    expect(logged).toEqual([
      [
        'twilio phone leg (not placed: emulators without TWILIO_ACCOUNT_SID)',
        { to: '***0001', verbs: ['Gather', 'Say'] },
      ],
    ]);
  });

  it('logs an announcement in the emulators without its URL (it holds the typed words)', async () => {
    const logged: Array<[string, object?]> = [];
    const log = { info: (m: string, d?: object) => logged.push([m, d]), warn() {}, error() {} };
    const recording = recordingVoice(log);
    expect(
      await recording.announceToConference(CONFERENCE, 'https://x/twilio/announce?text=Priya'),
    ).toBe('done');
    expect(logged).toEqual([
      [
        'twilio conference announcement (not sent: emulators without TWILIO_ACCOUNT_SID)',
        { conferenceSid: CONFERENCE },
      ],
    ]);
  });
});
