/**
 * `npm start`: the local stack, seeded, until Ctrl-C. `npm start -- --local-model [--model-latency ms]`
 * answers callers through the local OpenAI-compatible model server instead of the offline
 * responder; OPENAI_API_KEY (with OPENAI_BASE_URL, OPENAI_MODEL…) uses a real provider.
 */
import { parseCommandLine, wholeNumber } from './lib/command-line.ts';

const USAGE = `usage: npm start -- [--local-model [--model-latency MS]]
Builds the functions and the dashboard (npm start does), starts the local stack (the functions, auth, hosting
and tasks emulators, the Firestore emulator, the Realtime Database, the Twilio REST stand-in), seeds the worker
registry, the site procedures and the demo admin, prints the URLs, and stops everything on Ctrl-C.
Callers are answered by the offline responder, or by a provider when OPENAI_API_KEY is set (OPENAI_BASE_URL,
OPENAI_MODEL…). TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID and PUBLIC_BASE_URL override the local Twilio defaults;
with TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID are the dashboard's
voice (the stand-in has its own).

options:
  --local-model        answer callers through the local OpenAI-compatible model server
                       (scripts/lib/model-server.ts) instead
  --model-latency MS   with --local-model: that much latency per completion (default 0)
  -h, --help           this help`;

const { values, fail } = parseCommandLine('start', USAGE, {
  'local-model': { type: 'boolean', default: false },
  'model-latency': { type: 'string', default: '0' },
});
const modelLatencyMs = wholeNumber(fail, 'model-latency', values['model-latency']);

// Loaded after the command line is parsed, so --help answers without the SDKs or the stack.
const { getAuth } = await import('firebase-admin/auth');
const { getDatabase } = await import('firebase-admin/database');
const { getFirestore } = await import('firebase-admin/firestore');
const { DEMO_ADMIN, grantAdmin } = await import('./lib/admins.ts');
const { ModelServer } = await import('./lib/model-server.ts');
const { seedProcedures, seedWorkers } = await import('./lib/seed.ts');
const { modelFromEnv, voiceSdkFromEnv } = await import('./lib/functions-env.ts');
const { LOCAL_DEFAULTS, LOCAL_ON_CALL, MODEL_PORT, PROJECT_ID, localAdminApp } =
  await import('./lib/project.ts');
const { startStack } = await import('./lib/stack.ts');

const twilioAuthToken = process.env.TWILIO_AUTH_TOKEN || LOCAL_DEFAULTS.twilioAuthToken;
const publicBaseUrl = process.env.PUBLIC_BASE_URL || LOCAL_DEFAULTS.publicBaseUrl;
// A real account drives real calls through Twilio's API; without one, the local stand-in records.
const twilioAccountSid = process.env.TWILIO_ACCOUNT_SID || LOCAL_DEFAULTS.twilioAccountSid;
const twilioApiBaseUrl = process.env.TWILIO_ACCOUNT_SID ? 'https://api.twilio.com' : undefined;
// The dashboard's voice: a real account's key and TwiML App from the environment; else the stand-in's.
const voiceSdk = process.env.TWILIO_ACCOUNT_SID ? voiceSdkFromEnv() : undefined;

console.log('Starting the Aurora stack…');
const localModel = values['local-model'] ? await new ModelServer().start(MODEL_PORT) : null;
if (localModel) localModel.latencyMs = modelLatencyMs;
const model = localModel
  ? { apiKey: 'local', baseUrl: localModel.baseUrl, model: 'local-grounded-model' }
  : modelFromEnv();
// The sweeper every minute, so a developer sees it work (deployed: every 5 minutes).
const stack = await startStack({
  twilioAuthToken,
  twilioAccountSid,
  twilioApiBaseUrl,
  publicBaseUrl,
  model,
  voiceSdk,
  verbose: true,
  sweepEverySeconds: 60,
});
const app = localAdminApp();
const workers = await seedWorkers(getFirestore(app));
const procedures = await seedProcedures(getFirestore(app));
await grantAdmin(
  { auth: getAuth(app), db: getDatabase(app), firestore: getFirestore(app) },
  DEMO_ADMIN.email,
  DEMO_ADMIN.password,
  DEMO_ADMIN.phone,
);

console.log(`
Aurora is running (project ${PROJECT_ID}; Realtime Database: ${stack.rtdb === 'emulator' ? 'official emulator' : 'offline stand-in server'}).

  Twilio voice webhook   ${publicBaseUrl}/twilio/voice
  Twilio status callback ${publicBaseUrl}/twilio/status
  Admin dashboard        ${stack.urls.hosting}  (sign in as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password})
  Realtime Database      ${stack.urls.realtimeDatabase}
  Firestore              ${stack.urls.firestore}
  Auth                   ${stack.urls.auth}
  Responder              ${model ? `model ${model.model ?? 'gpt-4o-mini'} at ${model.baseUrl ?? 'the OpenAI API'}` : 'offline (no OPENAI_API_KEY)'}
  Twilio REST API        ${stack.twilioApi ? `${stack.urls.twilioApi} (local stand-in: admin actions are recorded and played to simulated calls)` : stack.urls.twilioApi}
  Escalation             unacknowledged CRITICAL calls text ${LOCAL_ON_CALL.numbers.join(', ')} after ESCALATE_AFTER_SECONDS (60 s)${stack.twilioApi ? `; texts land in ${stack.urls.twilioApi}/sim/messages` : ''}
  Database triggers      ${stack.triggers === 'relay' ? 'delivered by the relay beside the stand-in (scripts/lib/trigger-relay.ts)' : 'fired by the functions emulator'}
  Sweeper                every 60 s by the local scheduler (scripts/lib/scheduler.ts); now: curl -X POST ${stack.urls.sweep}
  Twilio auth token      ${twilioAuthToken === LOCAL_DEFAULTS.twilioAuthToken ? `${twilioAuthToken} (local default)` : '(from TWILIO_AUTH_TOKEN)'}
  Dashboard voice        ${!voiceSdk ? `the stand-in's TwiML App sends browser calls to ${publicBaseUrl}/twilio/browser; ${DEMO_ADMIN.email}'s phone is ${DEMO_ADMIN.phone}` : voiceSdk.twimlAppSid ? `TwiML App ${voiceSdk.twimlAppSid} (from TWILIO_TWIML_APP_SID)` : 'off: set TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID'}

Seeded ${workers} demo workers (e.g. +15550100001) and ${procedures} site procedures. In another terminal:
  npm run call -- "There's a fire in Zone A"
  npm run call -- --keep "There's a fire in Zone A"   (stays on the line: take it over in the dashboard)
  npm run admin -- grant someone@example.com --password <p>

Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the Aurora stack…');
  await stack.stop();
  await localModel?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
