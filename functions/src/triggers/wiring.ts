import * as functionsLogger from 'firebase-functions/logger';
import { firestoreArchive } from '../adapters/archiveStore';
import { adminApp, lazy } from '../adapters/firebaseApp';
import { realtimeLiveDb } from '../adapters/liveDb';
import { cloudTaskQueue } from '../adapters/taskQueue';
import { firestoreWorkers } from '../adapters/workers';
import type { Deps } from '../ports';
import {
  FUNCTIONS_REGION,
  inEmulator,
  readModelSettings,
  readSettings,
  readTwilioAccount,
} from '../config';
import {
  recordingSms,
  recordingVoice,
  twilioClient,
  twilioSms,
  twilioVoice,
  unconfiguredSms,
  unconfiguredVoice,
} from '../adapters/twilioVoice';
import { authAdminDirectory } from '../adapters/adminDirectory';
import { fcmPush, recordingPush } from '../adapters/webPush';
import type { LiveVoice, Sms, WebPush } from '../ports';
import { messageKeyFactory } from '../core/ids';
import { redactingLog } from '../core/log';
import { modelResponder } from '../assistant/modelResponder';
import { offlineResponder } from '../assistant/offlineResponder';
import type { Responder } from '../assistant/responder';
import { firestoreProcedures } from '../adapters/procedures';
import { openaiChatFor } from '../adapters/openaiChat';

/** Every log line goes out redacted: call ids hold the caller's number. */
const logger = redactingLog(functionsLogger);

// Each SDK is required on first use, so a function that never touches Firestore never loads it.
const firestore = lazy(() =>
  (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).getFirestore(
    adminApp(),
  ),
);
const live = lazy(() =>
  realtimeLiveDb(
    (require('firebase-admin/database') as typeof import('firebase-admin/database')).getDatabase(
      adminApp(),
    ),
  ),
);
// The queues are where the functions are: FUNCTIONS_REGION, the region index.ts deploys every function to.
const queue = lazy(() =>
  cloudTaskQueue(
    (require('firebase-admin/functions') as typeof import('firebase-admin/functions')).getFunctions(
      adminApp(),
    ),
    FUNCTIONS_REGION.value(),
  ),
);
const archive = lazy(() => firestoreArchive(firestore()));
const workers = lazy(() => firestoreWorkers(firestore()));
const procedures = lazy(() => firestoreProcedures(firestore(), logger));
const messageKey = messageKeyFactory();

/**
 * Twilio's REST API when an account is configured. Without one, the emulators log what would
 * have been sent; a deployment fails every request loudly (never a silent "done").
 */
const twilio = lazy(() => {
  const account = readTwilioAccount();
  return account ? { client: twilioClient(account), smsFrom: account.smsFrom } : null;
});
const voice = lazy((): LiveVoice => {
  const account = twilio();
  // Announcements (an undelivered escalation text followed up by phone) call from the number texts come from.
  if (account) return twilioVoice(account.client, account.smsFrom);
  return inEmulator() ? recordingVoice(logger) : unconfiguredVoice();
});
const sms = lazy((): Sms => {
  const account = twilio();
  if (account) return twilioSms(account.client, account.smsFrom);
  return inEmulator() ? recordingSms(logger) : unconfiguredSms();
});
/** FCM web push; the emulators have no FCM, so there it is logged. */
const push = lazy((): WebPush =>
  inEmulator()
    ? recordingPush(live(), logger)
    : fcmPush(
        live(),
        (
          require('firebase-admin/messaging') as typeof import('firebase-admin/messaging')
        ).getMessaging(adminApp()),
        logger,
      ),
);

const admins = lazy(() =>
  authAdminDirectory(
    live(),
    (require('firebase-admin/auth') as typeof import('firebase-admin/auth')).getAuth(adminApp()),
  ),
);

/** The model when a key is configured (built once per instance), else the offline responder. */
const responder = lazy((): Responder => {
  const model = readModelSettings();
  if (!model) return offlineResponder;
  const chat = openaiChatFor(model);
  return modelResponder({
    chat,
    model: model.model,
    fallbackModel: model.fallbackModel,
    budgetMs: model.budgetMs,
    log: logger,
  });
});

/** Getters that build each dependency when a use case first reaches for it. */
function lazily<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const target = {} as T;
  for (const [key, make] of Object.entries(factories))
    Object.defineProperty(target, key, { get: make as () => unknown, enumerable: true });
  return target;
}

/** The production dependencies, each built when a use case first reaches for it. */
export function productionDeps(): Deps {
  // Object.assign adds the plain fields without reading (and so building) the lazy ones.
  return Object.assign(
    lazily<Omit<Deps, 'settings' | 'clock' | 'messageKey' | 'log'>>({
      live,
      archive,
      queue,
      workers,
      procedures,
      responder,
      voice,
      sms,
      push,
      admins,
    }),
    {
      settings: readSettings(),
      clock: () => new Date(),
      messageKey,
      log: logger,
    },
  );
}
