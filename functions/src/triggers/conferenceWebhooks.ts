/**
 * The webhooks of a call's voice conference (issue 24), beside triggers/webhooks.ts: thin shells
 * that parse what Twilio posts and hand it to calls/voiceLegs.ts and calls/conferenceEvents.ts.
 * Every one is signed by Twilio and checked like the rest (triggers/twilioWebhook.ts).
 */
import { CALL_ID_PATTERN } from '@aurora/model';
import { announce, conferenceEvent, rejoin, rejoinFallback } from '../calls/conferenceEvents';
import { browserLeg, legPress, legStatus } from '../calls/voiceLegs';
import { TWILIO_AUTH_TOKEN } from '../config';
import { LEG_LINES } from '../core/conference';
import { WEBHOOK_PATHS, emptyResponse, speakAndHangUp } from '../core/twiml';
import { backWithAurora } from '../steps/conference';
import {
  AnnounceBody,
  AnnounceQuery,
  BrowserBody,
  ConferenceBody,
  ConferenceQuery,
  LegBody,
  LegQuery,
  LegStatusBody,
  RejoinBody,
} from './twilioBodies';
import { type TwilioRequest, twilioWebhook, type Webhook } from './twilioWebhook';
import { ANSWER_WITHIN_MS } from './webhooks';
import { productionDeps } from './wiring';

const authToken = () => TWILIO_AUTH_TOKEN.value();

/** A leg that could not be answered in time, or whose request failed, hears so and hangs up; the caller is not touched. */
const legNotConnected = () => speakAndHangUp(LEG_LINES.tooSlow);

/**
 * A leg's conference TwiML once the caller has been moved in for it, by request: past the
 * deadline the leg must still join (told it could not connect, it would hang up and leave the
 * caller alone in the conference).
 */
const joinedLegs = new WeakMap<TwilioRequest, string>();
const legAnswerBy = (request: TwilioRequest) => joinedLegs.get(request) ?? legNotConnected();
const rememberJoined =
  (request: TwilioRequest, recent?: RecentLegAnswers, legSid?: string) => (twiml: string) => {
    joinedLegs.set(request, twiml);
    if (recent && legSid) recent.remember(legSid, twiml);
  };

/**
 * The conference TwiML of the browser legs this instance moved a caller in for, by CallSid, for
 * a few minutes. Twilio asks the Voice URL again (same CallSid) when the first answer was slow;
 * the caller is already in the conference for that leg, so the retry must get the same answer
 * without needing the database: a retry told it could not connect would hang up and leave the
 * caller alone (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides, the
 * default timeout and retry of a webhook). A retry served by another instance reads the record
 * (calls/voiceLegs.ts replayOrGone).
 */
export class RecentLegAnswers {
  private readonly answers = new Map<string, { twiml: string; at: number }>();
  constructor(
    private readonly keepMs = 5 * 60_000,
    private readonly limit = 500,
    private readonly now: () => number = () => Date.now(),
  ) {}
  remember(legSid: string, twiml: string) {
    this.answers.delete(legSid);
    this.answers.set(legSid, { twiml, at: this.now() });
    // Oldest first (insertion order): a busy instance keeps only the newest.
    for (const key of this.answers.keys()) {
      if (this.answers.size <= this.limit) break;
      this.answers.delete(key);
    }
  }
  recall(legSid: string): string | undefined {
    const answer = this.answers.get(legSid);
    if (answer && this.now() - answer.at < this.keepMs) return answer.twiml;
    this.answers.delete(legSid);
    return undefined;
  }
}

/**
 * One memory per database the record is in (in production, one per instance: the database
 * client is built once), so test worlds that reuse CallSids never see each other's answers.
 */
const recentByDatabase = new WeakMap<object, RecentLegAnswers>();
export function legsJoinedBySid(live: object): RecentLegAnswers {
  let recent = recentByDatabase.get(live);
  if (!recent) recentByDatabase.set(live, (recent = new RecentLegAnswers()));
  return recent;
}

/**
 * POST /twilio/browser: the TwiML App's Voice URL, a supervisor's browser leg. Form fields:
 * CallSid, From (client:{uid}), callId, mode (talk | listen).
 */
export const browserWebhook: Webhook<typeof BrowserBody> = {
  path: WEBHOOK_PATHS.browser,
  schema: BrowserBody,
  run: async (body, deps, _query, _timings, request) => {
    // A retry for a leg this instance already joined: the same answer, whatever the database says.
    const recent = legsJoinedBySid(deps.live);
    const joined = recent.recall(body.CallSid);
    if (joined) return joined;
    try {
      return await browserLeg(
        {
          legSid: body.CallSid,
          from: body.From,
          callId: body.callId,
          mode: body.mode,
          deadline: request.deadline,
          onJoined: rememberJoined(request, recent, body.CallSid),
        },
        deps,
      );
    } catch (err) {
      // Failed after the caller was moved in for this leg: it must still join them.
      const moved = joinedLegs.get(request);
      if (moved) return moved;
      throw err;
    }
  },
  onFailure: legNotConnected,
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (_body, _deps, _query, request) => legAnswerBy(request),
  },
};

export const handleBrowser = twilioWebhook(browserWebhook, authToken, productionDeps);

/**
 * POST /twilio/leg?call={call_id}&role=supervisor|oncall&who={admin id or number}: a phone
 * leg's key press at its screening. Form fields: CallSid, To, Digits.
 */
export const legWebhook: Webhook<typeof LegBody> = {
  path: WEBHOOK_PATHS.leg,
  schema: LegBody,
  query: LegQuery,
  run: (body, deps, query, _timings, request) => {
    const { call, role, who } = LegQuery.parse(Object.fromEntries(query));
    return legPress(
      {
        legSid: body.CallSid,
        callId: call,
        role,
        who,
        to: body.To,
        digits: body.Digits,
        deadline: request.deadline,
        onJoined: rememberJoined(request),
      },
      deps,
    );
  },
  onFailure: legNotConnected,
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (_body, _deps, _query, request) => legAnswerBy(request),
  },
};

export const handleLeg = twilioWebhook(legWebhook, authToken, productionDeps);

/**
 * POST /twilio/leg-status?call=…&role=…&who=…: a phone leg's status callback (StatusCallbackEvent
 * answered and completed). Form fields: CallSid, To, CallStatus.
 */
export const legStatusWebhook: Webhook<typeof LegStatusBody> = {
  path: WEBHOOK_PATHS.legStatus,
  schema: LegStatusBody,
  query: LegQuery,
  run: async (body, deps, query) => {
    const { call, role, who } = LegQuery.parse(Object.fromEntries(query));
    await legStatus(
      { legSid: body.CallSid, callId: call, role, who, to: body.To, callStatus: body.CallStatus },
      deps,
    );
    return emptyResponse();
  },
};

export const handleLegStatus = twilioWebhook(legStatusWebhook, authToken, productionDeps);

/**
 * POST /twilio/conference?call={call_id}: the conference's status callback. Form fields:
 * ConferenceSid, StatusCallbackEvent, CallSid (participant events), FriendlyName, Muted,
 * ParticipantCallStatus (participant-leave).
 */
export const conferenceWebhook: Webhook<typeof ConferenceBody> = {
  path: WEBHOOK_PATHS.conference,
  schema: ConferenceBody,
  query: ConferenceQuery,
  run: async (body, deps, query) => {
    const { call } = ConferenceQuery.parse(Object.fromEntries(query));
    await conferenceEvent(
      {
        callId: call,
        event: body.StatusCallbackEvent,
        conferenceSid: body.ConferenceSid,
        callSid: body.CallSid,
        participantCallStatus: body.ParticipantCallStatus,
        timestamp: body.Timestamp,
      },
      deps,
    );
    return emptyResponse();
  },
};

export const handleConference = twilioWebhook(conferenceWebhook, authToken, productionDeps);

/** The call named in the rejoin URL, if it is shaped like a call id (a malformed one still returns the caller to Aurora). */
const callIdFrom = (query: URLSearchParams) => {
  const callId = query.get('call');
  return callId && CALL_ID_PATTERN.test(callId) ? callId : undefined;
};

/**
 * POST /twilio/rejoin?call={call_id}: the caller's <Dial action> when the conference is over for
 * them. Form fields: CallSid, CallStatus, DialCallStatus. Never a hang-up, not even on a
 * failure of ours: the caller is listened to again.
 */
export const rejoinWebhook: Webhook<typeof RejoinBody> = {
  path: WEBHOOK_PATHS.rejoin,
  schema: RejoinBody,
  run: (body, deps, query) =>
    rejoin(
      { callSid: body.CallSid, callHint: callIdFrom(query), callStatus: body.CallStatus },
      deps,
    ),
  // The call id in the query names the caller's transcription, which must stop: their Gather hears them again.
  onFailure: (deps, query) => backWithAurora(deps, query && callIdFrom(query), undefined),
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (_body, deps, query) => rejoinFallback({ callHint: callIdFrom(query) }, deps),
  },
};

export const handleRejoin = twilioWebhook(rejoinWebhook, authToken, productionDeps);

/**
 * POST /twilio/announce?call={call_id}&key=…: the conference's AnnounceUrl, a supervisor's typed
 * words, kept on the call under the key (calls/controlCall.ts sayIntoConference). Answered with
 * the words in the caller's voice. A call that cannot be read in time says nothing (the words
 * are not in the URL to fall back on), and the failure is logged.
 */
export const announceWebhook: Webhook<typeof AnnounceBody> = {
  path: WEBHOOK_PATHS.announce,
  schema: AnnounceBody,
  query: AnnounceQuery,
  run: (_body, deps, query) => {
    const { call, key } = AnnounceQuery.parse(Object.fromEntries(query));
    return announce({ callId: call, key }, deps);
  },
  answerWithin: { ms: ANSWER_WITHIN_MS, fallback: () => emptyResponse() },
};

export const handleAnnounce = twilioWebhook(announceWebhook, authToken, productionDeps);
