/**
 * Aurora's Cloud Functions: wiring only. An export's name is its deploy identity and, for task
 * queue functions, its queue's name (QUEUES in @aurora/model/tasks lists them; a test checks they match).
 */
import { setGlobalOptions } from 'firebase-functions/v2/options';
import { onCall, onRequest, type HttpsOptions } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { onValueWritten } from 'firebase-functions/v2/database';
import { ESCALATION_MAX_ATTEMPTS } from './calls/escalateCall';
import { RECORD_WORDS_MAX_ATTEMPTS } from './calls/recordWords';
import {
  FUNCTIONS_REGION,
  OPENAI_API_KEY,
  TASK_QUEUE_INVOKER,
  TWILIO_API_KEY_SECRET,
  TWILIO_AUTH_TOKEN,
  WEBHOOK_MIN_INSTANCES,
} from './config';
import { handleCallControl, handleSiteSettings } from './triggers/adminActions';
import { handleVoiceToken } from './triggers/voiceToken';
import { handleCallWritten } from './triggers/database';
import { handleSweep } from './triggers/schedule';
import {
  handleArchiveTask,
  handleEscalationTask,
  handlePurgeTask,
  handleWordsTask,
} from './triggers/tasks';
import {
  handleDial,
  handlePartial,
  handleScreen,
  handleStatusCallback,
  handleTurn,
  handleVoice,
} from './triggers/webhooks';
import { handleMessageStatus } from './triggers/webhooks';
import { handleTranscription } from './triggers/webhooks';
import {
  handleAnnounce,
  handleBrowser,
  handleConference,
  handleLeg,
  handleLegStatus,
  handleRejoin,
} from './triggers/conferenceWebhooks';

// The region is a param (FUNCTIONS_REGION in functions/.env.<project-id>): the database's region.
// Memory: every instance loads this whole bundle, and a warm one measured (scripts/lib/memory.ts,
// Node 22, measured 2026-12-03 for issue 22) 153-162 MB RSS once its SDKs, tinyld and the word lists are
// loaded and a peak of 213-245 MB (webhooks 243 MB holding 80 calls' transcripts and prompts),
// too close to the 256 MiB default. 512 MiB doubles the headroom and still gets a whole CPU on
// 2nd gen, so concurrency stays 80: the 80 requests an instance serves at once share its memory
// (https://firebase.google.com/docs/functions/manage-functions#set_concurrency). Fewer concurrent
// requests would mean more instances and more cold starts on live calls, for little saving.
setGlobalOptions({ region: FUNCTIONS_REGION, maxInstances: 20, memory: '512MiB' });

// Twilio calls these over the public internet; the signature check is their authentication.
// minInstances: a param (0 by default), so a site that cannot afford a cold start on its first call keeps one warm.
const webhook: HttpsOptions = {
  invoker: 'public',
  secrets: [TWILIO_AUTH_TOKEN, OPENAI_API_KEY],
  timeoutSeconds: 15,
  minInstances: WEBHOOK_MIN_INSTANCES,
};

export const twilioVoice = onRequest(webhook, handleVoice);
export const twilioTurn = onRequest(webhook, handleTurn);
export const twilioPartial = onRequest(webhook, handlePartial);
export const twilioStatus = onRequest(webhook, handleStatusCallback);
// A bridge: the called person's screening (<Number url>), and how the dialled leg ended (<Dial action>).
export const twilioScreen = onRequest(webhook, handleScreen);
export const twilioDial = onRequest(webhook, handleDial);
// Escalation texts' delivery reports (calls/messageStatus.ts): an undelivered text is followed up by phone.
export const twilioMessageStatus = onRequest(webhook, handleMessageStatus);
// Real-time transcription of a call's conference legs: the transcript goes on while humans talk (calls/transcription.ts).
export const twilioTranscription = onRequest(webhook, handleTranscription);
// A call's voice conference (issue 24): a supervisor's browser leg (the TwiML App's Voice URL), a
// phone leg's key press and status, the conference's status callback, and the caller's way back to Aurora.
export const twilioBrowser = onRequest(webhook, handleBrowser);
export const twilioLeg = onRequest(webhook, handleLeg);
export const twilioLegStatus = onRequest(webhook, handleLegStatus);
export const twilioConference = onRequest(webhook, handleConference);
export const twilioRejoin = onRequest(webhook, handleRejoin);
// A supervisor's typed words spoken into the conference (its AnnounceUrl).
export const twilioAnnounce = onRequest(webhook, handleAnnounce);

// The dashboard calls this signed in; the handler checks the admin claim.
export const callControl = onCall(
  { secrets: [TWILIO_AUTH_TOKEN], timeoutSeconds: 20 },
  handleCallControl,
);
export const siteSettings = onCall({ timeoutSeconds: 10 }, handleSiteSettings);
// A supervisor's browser joins a call's conference with this short-lived Voice SDK token.
export const voiceToken = onCall(
  { secrets: [TWILIO_API_KEY_SECRET], timeoutSeconds: 10 },
  handleVoiceToken,
);

// Cloud Tasks calls these with the identity token of the account that enqueued the task (the
// functions' own); firebase deploy makes that account their invoker, so the binding is
// redeclared on every deploy instead of granted by hand. invoker takes no Expression, so the
// param goes in as the CEL string firebase-tools resolves (lib/deploy/functions/build.js).
const taskInvoker = TASK_QUEUE_INVOKER.toCEL();

export const archiveCall = onTaskDispatched(
  {
    invoker: taskInvoker,
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 1, maxBackoffSeconds: 60, maxDoublings: 4 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
  },
  handleArchiveTask,
);

export const purgeCall = onTaskDispatched(
  {
    invoker: taskInvoker,
    // A turn in flight holds the purge for up to 20 s; the backoff outlasts it.
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 2, maxBackoffSeconds: 60, maxDoublings: 4 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
  },
  handlePurgeTask,
);

// Every write to a live call fans out to the admins: alerts, the live summary, the escalation timer.
export const callFanOut = onValueWritten(
  { ref: '/active_calls/{callId}', retry: true },
  handleCallWritten,
);

export const escalateCall = onTaskDispatched(
  {
    invoker: taskInvoker,
    secrets: [TWILIO_AUTH_TOKEN],
    // Runs when due; one that comes early, or with texts Twilio has not accepted yet, is retried every few seconds.
    retryConfig: {
      maxAttempts: ESCALATION_MAX_ATTEMPTS,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 10,
      maxDoublings: 2,
    },
    rateLimits: { maxConcurrentDispatches: 20 },
  },
  handleEscalationTask,
);

// A turn's lines the database refused for the whole turn (steps/wordsLater.ts): retried while the
// database or the archive refuses, for hours (1 s doubling to 5 min, then every 5 min: about
// 3.5 hours in 50 attempts), so a database out for minutes loses no caller's words.
export const recordWords = onTaskDispatched(
  {
    invoker: taskInvoker,
    retryConfig: {
      maxAttempts: RECORD_WORDS_MAX_ATTEMPTS,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 300,
      maxDoublings: 8,
    },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
  },
  handleWordsTask,
);

export const sweepCalls = onSchedule({ schedule: 'every 5 minutes', retryCount: 1 }, handleSweep);
