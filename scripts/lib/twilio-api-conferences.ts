/**
 * The Twilio REST stand-in's Conferences and Participants resources, and the /sim endpoints a
 * test or the call simulator uses to play the people on its calls (twilio-api.ts routes to both;
 * twilio-calls.ts carries the calls).
 *
 * REST, with Twilio's paths, field names, filters and paging (2010-04-01 lists page with `page`
 * and `next_page_uri`, https://www.twilio.com/docs/usage/twilios-response#pagination):
 * - Conferences (https://www.twilio.com/docs/voice/api/conference-resource): list, newest first,
 *   filtered by `FriendlyName` and `Status`; fetch; update `Status=completed` (the conference ends
 *   and every participant leaves) and `AnnounceUrl`.
 * - Participants (https://www.twilio.com/docs/voice/api/conference-participant-resource), by
 *   CallSid or label: list (filtered by `Muted`, `Hold`), fetch, update `Muted`, `Hold`,
 *   `AnnounceUrl`, and delete (the call leaves the conference and goes on with its TwiML). Only
 *   participants of a conference not completed are there: Twilio keeps no history here.
 * It refuses as Twilio does:
 * - 401 / 20003 on bad credentials (twilio-api.ts, https://www.twilio.com/docs/api/errors/20003);
 * - 404 / 20404 for a conference the account never had and for a call that is not (or no longer)
 *   a participant (https://www.twilio.com/docs/api/errors/20404);
 * - 400 / 16022 for an update to a completed conference: "Conference does not exist or is
 *   completed" (https://www.twilio.com/docs/api/errors/16022);
 * - 400 / 21402 for an AnnounceUrl that is not a fully qualified http(s) URL
 *   (https://www.twilio.com/docs/api/errors/21402).
 *
 * /sim endpoints (JSON bodies and answers; no credentials, like the rest of /sim):
 * - PUT /sim/calls/{CallSid} {from?, to?}: a simulated caller's call is in progress;
 * - GET /sim/calls/{CallSid}: the call: state, who, what was heard, its conference and transcriptions;
 * - GET /sim/calls/{CallSid}/updates?after=&waitMs=: its call updates and conference notices, waiting for the next;
 * - POST /sim/calls/{CallSid}/twiml {twiml}: a simulated caller runs this TwiML; the stand-in
 *   carries out its <Start>/<Stop><Transcription> and <Dial><Conference>; answers the conference joined;
 * - POST /sim/calls/{CallSid}/speak {text}: someone on the call says `text` (a whole utterance);
 * - POST /sim/calls/{CallSid}/hangup and /end: the person on the call hangs up;
 * - PUT /sim/phones/{number} {outcome: answers|busy|no-answer|failed, presses?}: how a number
 *   the functions call behaves (default: answers and presses 1); DELETE restores the default;
 * - POST /sim/clients/connect {identity, params?, voiceUrl?, applicationSid?}: a browser's
 *   device.connect: Twilio asks the TwiML App's Voice URL (voiceUrl, else the application's, else
 *   {publicBase}/twilio/browser) and runs the answer; POST /sim/clients/{CallSid}/hangup ends it;
 * - GET /sim/conferences?name=: conferences with their members and everything seen in them;
 * - GET /sim/webhooks?after=: every webhook the stand-in posted; GET /sim/idle: waits until none is under way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  type CallNetwork,
  type Conference,
  type Leg,
  type MemberView,
  type Participant,
  PhoneBehaviour,
  isFullUrl,
  isLive,
  rfc2822,
} from './twilio-calls.ts';

const CONFERENCES_PATH =
  /^\/2010-04-01\/Accounts\/(AC\w+)\/Conferences(?:\/(CF\w+)(?:\/Participants(?:\/([\w-]+))?)?)?\.json$/;
const SIM_CALL_PATH = /^\/sim\/(calls|clients)\/(CA\w+)(?:\/(updates|end|twiml|speak|hangup))?$/;
const SIM_PHONE_PATH = /^\/sim\/phones\/([^/]+)$/;

const ConnectBody = z.object({
  identity: z.string().min(1).max(121),
  params: z.record(z.string(), z.string()).default({}),
  voiceUrl: z.string().optional(),
  applicationSid: z.string().optional(),
});
const RegisterBody = z.object({ from: z.string().optional(), to: z.string().optional() });
const TwimlBody = z.object({ twiml: z.string() });
const SpeakBody = z.object({ text: z.string().min(1).max(2000) });

/** Where a browser's connect goes when the request names no Voice URL: the TwiML App's, else the default. */
export type BrowserVoiceUrl = (applicationSid?: string) => { url: string; applicationSid: string };

/** Answers a Conferences or Participants request and returns true; false for any other path. */
export function routeConferences(
  network: CallNetwork,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
  authorized: (accountSid: string) => boolean,
): boolean {
  const match = CONFERENCES_PATH.exec(url.pathname);
  if (!match) return false;
  const [, accountSid, conferenceSid, participantId] = match as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (!authorized(accountSid)) return true;
  const params = new URLSearchParams(body);
  const base = `/2010-04-01/Accounts/${accountSid}/Conferences`;
  if (!conferenceSid) {
    if (req.method !== 'GET') {
      methodNotAllowed(res);
      return true;
    }
    const name = url.searchParams.get('FriendlyName');
    const status = url.searchParams.get('Status');
    const found = [...network.conferences.values()]
      .filter((c) => (name === null || c.friendlyName === name) && (!status || c.status === status))
      .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime());
    const views = found.map((c) => conferenceView(accountSid, c));
    json(res, 200, page(`${base}.json`, 'conferences', views, url.searchParams));
    return true;
  }
  const conference = network.conferences.get(conferenceSid);
  if (!conference) {
    notFound(res, `${base}/${conferenceSid}.json`);
    return true;
  }
  if (participantId === undefined && !url.pathname.endsWith('/Participants.json'))
    conferenceRoute(network, req, res, accountSid, conference, params);
  else participantsRoute(network, req, res, url, accountSid, conference, participantId, params);
  return true;
}

function conferenceRoute(
  network: CallNetwork,
  req: IncomingMessage,
  res: ServerResponse,
  accountSid: string,
  conference: Conference,
  params: URLSearchParams,
) {
  if (req.method === 'GET') return json(res, 200, conferenceView(accountSid, conference));
  if (req.method !== 'POST') return methodNotAllowed(res);
  if (conference.status === 'completed')
    return json(res, 400, {
      code: 16022,
      message: `Conference ${conference.sid} does not exist or is completed`,
      status: 400,
    });
  const announceUrl = params.get('AnnounceUrl');
  if (announceUrl !== null && !isFullUrl(announceUrl))
    return json(res, 400, {
      code: 21402,
      message: `AnnounceUrl is not valid: ${announceUrl}`,
      status: 400,
    });
  if (announceUrl) network.announce(conference, announceUrl);
  if (params.get('Status') === 'completed')
    network.endConference(conference, 'conference-ended-via-api', null);
  return json(res, 200, conferenceView(accountSid, conference));
}

function participantsRoute(
  network: CallNetwork,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  accountSid: string,
  conference: Conference,
  id: string | undefined,
  params: URLSearchParams,
) {
  const base = `/2010-04-01/Accounts/${accountSid}/Conferences/${conference.sid}/Participants`;
  const flag = (name: string) => {
    const value = url.searchParams.get(name);
    return value === null ? null : value.toLowerCase() === 'true';
  };
  if (id === undefined) {
    if (req.method !== 'GET') return methodNotAllowed(res);
    const [muted, hold] = [flag('Muted'), flag('Hold')];
    const found = [...conference.participants.values()].filter(
      (p) => (muted === null || p.muted === muted) && (hold === null || p.hold === hold),
    );
    const views = found.map((p) => participantView(accountSid, p));
    return json(res, 200, page(`${base}.json`, 'participants', views, url.searchParams));
  }
  const participant =
    conference.participants.get(id) ??
    [...conference.participants.values()].find((p) => p.label === id);
  if (!participant) return notFound(res, `${base}/${id}.json`);
  if (req.method === 'GET') return json(res, 200, participantView(accountSid, participant));
  if (req.method === 'DELETE') {
    network.leave(participant.leg, 'kicked');
    return void res.writeHead(204).end();
  }
  if (req.method !== 'POST') return methodNotAllowed(res);
  const announceUrl = params.get('AnnounceUrl');
  if (announceUrl !== null && !isFullUrl(announceUrl))
    return json(res, 400, {
      code: 21402,
      message: `AnnounceUrl is not valid: ${announceUrl}`,
      status: 400,
    });
  // Twilio reads anything but "true" as false (the Participant resource's Muted and Hold).
  const asBool = (name: string) =>
    params.has(name) ? params.get(name)!.toLowerCase() === 'true' : undefined;
  network.setMember(participant, { muted: asBool('Muted'), hold: asBool('Hold') });
  if (announceUrl) network.announce(conference, announceUrl, participant);
  return json(res, 200, participantView(accountSid, participant));
}

/** Answers a /sim request about calls, phones, browser clients, conferences or webhooks; false for any other path. */
export async function routeSim(
  network: CallNetwork,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
  browserVoiceUrl: BrowserVoiceUrl,
): Promise<boolean> {
  if (!url.pathname.startsWith('/sim/')) return false;
  const input = parseJson(body);
  if (input === undefined) {
    json(res, 400, { message: 'the body is not JSON' });
    return true;
  }
  const call = SIM_CALL_PATH.exec(url.pathname);
  if (call) {
    await simCall(network, req, res, url, call[2]!, call[3], input);
    return true;
  }
  const phone = SIM_PHONE_PATH.exec(url.pathname);
  if (phone) {
    const number = decodeURIComponent(phone[1]!);
    const behaviour = PhoneBehaviour.safeParse(input);
    if (req.method === 'DELETE') network.phones.delete(number);
    else if (req.method !== 'PUT') methodNotAllowed(res);
    else if (!behaviour.success) json(res, 400, { message: behaviour.error.message });
    else network.phones.set(number, behaviour.data);
    if (!res.headersSent)
      json(res, 200, { number, behaviour: network.phones.get(number) ?? 'answers and presses 1' });
    return true;
  }
  if (url.pathname === '/sim/clients/connect' && req.method === 'POST') {
    const connect = ConnectBody.safeParse(input);
    if (!connect.success) {
      json(res, 400, { message: connect.error.message });
      return true;
    }
    const { identity, params, voiceUrl, applicationSid } = connect.data;
    const target = voiceUrl
      ? { url: voiceUrl, applicationSid: applicationSid ?? '' }
      : browserVoiceUrl(applicationSid);
    if (!isFullUrl(target.url)) {
      json(res, 409, {
        message: `no Voice URL to connect to (${target.url || 'none configured'})`,
      });
      return true;
    }
    const leg = await network.connectClient(identity, params, target.url, target.applicationSid);
    json(res, 200, legView(leg));
    return true;
  }
  if (url.pathname === '/sim/conferences' && req.method === 'GET') {
    const name = url.searchParams.get('name');
    const conferences = [...network.conferences.values()]
      .filter((c) => name === null || c.friendlyName === name)
      .map((c) => ({
        sid: c.sid,
        name: c.friendlyName,
        status: c.status,
        reasonEnded: c.reasonEnded,
        members: memberViews(c),
        log: c.log,
      }));
    json(res, 200, { conferences });
    return true;
  }
  if (url.pathname === '/sim/webhooks' && req.method === 'GET') {
    const after = Number(url.searchParams.get('after') ?? 0) || 0;
    const { records } = network.hooks;
    json(res, 200, { webhooks: records.slice(after), next: records.length });
    return true;
  }
  if (url.pathname === '/sim/idle' && req.method === 'GET') {
    await network.idle();
    json(res, 200, {});
    return true;
  }
  return false;
}

async function simCall(
  network: CallNetwork,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  callSid: string,
  action: string | undefined,
  input: unknown,
) {
  if (!action && req.method === 'PUT') {
    const { from, to } = RegisterBody.catch({}).parse(input);
    network.registerSimCall(callSid, from, to);
    return json(res, 201, {});
  }
  const leg = network.calls.get(callSid);
  if (!leg) return json(res, 404, { message: 'unknown call' });
  if (!action && req.method === 'GET') return json(res, 200, legView(leg));
  if (req.method === 'GET' && action === 'updates') {
    const after = Number(url.searchParams.get('after') ?? 0);
    const waitMs = Math.min(Number(url.searchParams.get('waitMs') ?? 0), 30_000);
    if (leg.updates.length <= after && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        leg.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return json(res, 200, { updates: leg.updates.slice(after), next: leg.updates.length });
  }
  if (req.method !== 'POST') return methodNotAllowed(res);
  if (action === 'end' || action === 'hangup') {
    await network.hangUp(leg, 'completed');
    await network.idle();
    return json(res, 200, legView(leg));
  }
  if (!isLive(leg)) return json(res, 409, { message: `the call is ${leg.state}` });
  if (action === 'twiml') {
    const twiml = TwimlBody.safeParse(input);
    if (!twiml.success) return json(res, 400, { message: twiml.error.message });
    const conference = network.simPlay(leg, twiml.data.twiml);
    await network.idle();
    return json(res, 200, {
      conference: conference && {
        sid: conference.sid,
        name: conference.friendlyName,
        members: memberViews(conference),
      },
    });
  }
  if (action === 'speak') {
    const speech = SpeakBody.safeParse(input);
    if (!speech.success) return json(res, 400, { message: speech.error.message });
    if (!leg.participant && leg.transcriptions.size === 0)
      return json(res, 409, {
        message: 'nothing hears it: the call is in no conference and not transcribed',
      });
    const heard = network.speak(leg, speech.data.text);
    await network.idle();
    return json(res, 200, heard);
  }
  return methodNotAllowed(res);
}

/** A conference in the 2010-04-01 JSON field names (the SDK maps them to camelCase). */
export function conferenceView(accountSid: string, c: Conference) {
  const uri = `/2010-04-01/Accounts/${accountSid}/Conferences/${c.sid}`;
  return {
    account_sid: accountSid,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    api_version: '2010-04-01',
    friendly_name: c.friendlyName,
    region: 'us1',
    sid: c.sid,
    status: c.status,
    uri: `${uri}.json`,
    subresource_uris: {
      participants: `${uri}/Participants.json`,
      recordings: `${uri}/Recordings.json`,
    },
    reason_conference_ended: c.reasonEnded,
    call_sid_ending_conference: c.callSidEnding,
  };
}

/** A participant in the 2010-04-01 JSON field names. */
export function participantView(accountSid: string, p: Participant) {
  return {
    account_sid: accountSid,
    call_sid: p.leg.sid,
    label: p.label,
    call_sid_to_coach: null,
    coaching: false,
    conference_sid: p.conference.sid,
    date_created: rfc2822(p.dateCreated),
    date_updated: rfc2822(p.dateUpdated),
    end_conference_on_exit: p.endConferenceOnExit,
    muted: p.muted,
    hold: p.hold,
    start_conference_on_enter: p.startConferenceOnEnter,
    status: 'connected',
    queue_time: '0',
    uri: `/2010-04-01/Accounts/${accountSid}/Conferences/${p.conference.sid}/Participants/${p.leg.sid}.json`,
  };
}

export const memberViews = (c: Conference): MemberView[] =>
  [...c.participants.values()].map((p) => ({
    callSid: p.leg.sid,
    who: p.leg.who,
    muted: p.muted,
    hold: p.hold,
  }));

/** A call as /sim shows it. */
function legView(leg: Leg) {
  const conference = leg.participant?.conference;
  return {
    callSid: leg.sid,
    from: leg.from,
    to: leg.to,
    who: leg.who,
    state: leg.state,
    heard: leg.heard,
    conference: conference
      ? { sid: conference.sid, name: conference.friendlyName, members: memberViews(conference) }
      : null,
    transcriptions: [...leg.transcriptions.keys()],
  };
}

function parseJson(body: string): unknown {
  if (!body.trim()) return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** One page of a 2010-04-01 list: `PageSize` (default 50) and `Page`, the next page's path in `next_page_uri`. */
function page<T>(listUri: string, key: string, items: T[], q: URLSearchParams) {
  const size = Math.max(1, Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000));
  const at = Math.max(0, Number(q.get('Page') ?? 0) || 0);
  const uri = (p: number) => `${listUri}?PageSize=${size}&Page=${p}`;
  const slice = items.slice(at * size, (at + 1) * size);
  return {
    [key]: slice,
    page: at,
    page_size: size,
    start: at * size,
    end: at * size + Math.max(slice.length - 1, 0),
    uri: uri(at),
    first_page_uri: uri(0),
    next_page_uri: (at + 1) * size < items.length ? uri(at + 1) : null,
    previous_page_uri: at > 0 ? uri(at - 1) : null,
  };
}

function notFound(res: ServerResponse, path: string) {
  json(res, 404, {
    code: 20404,
    message: `The requested resource ${path} was not found`,
    status: 404,
  });
}

function methodNotAllowed(res: ServerResponse) {
  json(res, 405, { message: 'method not allowed' });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
