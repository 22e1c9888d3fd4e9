/**
 * `npm run call -- "There's a fire in Zone A" ["more speech" …]`: a phone call to the running
 * stack, as Twilio would make it. Options: --from <number> (default a seeded worker),
 * --silence (one silent turn first), --keep (stay on the line: type what the caller says, hear
 * what a supervisor says from the dashboard, Ctrl-D hangs up), --base <url>, --public-base <url>.
 * With --keep, a supervisor who talks moves the caller into the call's conference: the call
 * prints who is in it, who joins, leaves or mutes, and what they say (as the Twilio stand-in saw
 * it spoken there); what is typed is then spoken into the conference.
 */
import { createInterface } from 'node:readline';
import { parseCommandLine } from './lib/command-line.ts';
import { LOCAL_DEFAULTS, PORTS, localAdminApp } from './lib/project.ts';

// Twilio signs each request for the URL configured on the number (https://www.twilio.com/docs/usage/webhooks/webhooks-security),
// which --public-base stands for when the requests reach the stack through a tunnel.
const USAGE = `usage: npm run call -- [options] ["what the caller says" …]
A phone call to the running stack (npm start), as Twilio would make it: signed webhook posts, one turn
per phrase (default "There's a fire in Zone A"), then the hang-up; prints what Aurora says, the live
record and the archive.

options:
  --from <number>       the caller's number (default +15550100001, a seeded worker)
  --silence             one silent turn before the phrases
  --keep                stay on the line: type what the caller says (Enter sends, Ctrl-D hangs up), hear
                        what a supervisor says from the dashboard. When a supervisor talks (Talk, Call me,
                        a transfer), the caller is moved into the call's conference: it prints who is in it,
                        each join, leave and mute, and what the humans say (what the Twilio stand-in saw
                        spoken there, e.g. POST /sim/calls/{CallSid}/speak {"text": …} for a leg); what you
                        type is then speech in the conference, transcribed. When the conference ends the
                        caller is back with Aurora.
  --base <url>          where the webhooks are posted (default ${LOCAL_DEFAULTS.publicBaseUrl}, the Hosting emulator)
  --public-base <url>   the address the requests are signed for, as Twilio signs for the number's
                        configured URL (default PUBLIC_BASE_URL, else --base)
  --twilio-api <url>    the Twilio REST stand-in a supervisor's actions reach the call through
                        (default http://127.0.0.1:${PORTS.twilioApi})
  -h, --help            this help
TWILIO_AUTH_TOKEN signs the requests (default ${LOCAL_DEFAULTS.twilioAuthToken}).`;

const { values, positionals } = parseCommandLine(
  'call',
  USAGE,
  {
    from: { type: 'string', default: '+15550100001' },
    base: { type: 'string', default: LOCAL_DEFAULTS.publicBaseUrl },
    'public-base': { type: 'string', default: process.env.PUBLIC_BASE_URL },
    silence: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'twilio-api': { type: 'string', default: `http://127.0.0.1:${PORTS.twilioApi}` },
  },
  { allowPositionals: true },
);
const utterances = positionals.length > 0 ? positionals : ["There's a fire in Zone A"];

// Loaded after the command line is parsed, so --help answers without the SDKs.
const { deleteApp } = await import('firebase-admin/app');
const { getDatabase } = await import('firebase-admin/database');
const { getFirestore } = await import('firebase-admin/firestore');
const { SimulatedCall } = await import('./lib/twilio-sim.ts');
const { LOCAL_FALLBACK_PATH_TOKEN, fallbackPath } = await import('./lib/fallback-twiml.ts');
const { LiveCall, awaitsAcknowledgement } = await import('@aurora/model');
type TwimlTurn = import('./lib/twilio-sim.ts').TwimlTurn;
type ConferenceNotice = import('./lib/twilio-calls.ts').ConferenceNotice;

/** Who a conference leg is, as the caller would put it: a supervisor's browser, or a phone. */
const someone = (who: string) =>
  who.startsWith('client:') ? `Supervisor ${who.slice('client:'.length)}` : `Phone ${who}`;

/** What the caller notices in the conference, one line each. */
function showNotice(notice: ConferenceNotice) {
  if (notice.kind === 'spoken') return console.log(`  ${someone(notice.who)}: ${notice.text}`);
  if (notice.kind === 'announcement')
    return notice.said.forEach((line) => console.log(`  (announcement) ${line}`));
  if (notice.kind === 'left') return; // the update that follows says where the caller went
  const what = {
    join: 'joined',
    leave: 'left',
    mute: 'is listening, muted',
    unmute: 'can be heard',
    hold: 'is on hold',
    unhold: 'is back from hold',
  }[notice.kind];
  // A joining leg's CallSid is what its speech is simulated with (POST /sim/calls/{CallSid}/speak).
  const sid = notice.kind === 'join' ? `, CallSid ${notice.callSid}` : '';
  console.log(`  (${someone(notice.who)} ${what}${sid})`);
}

const app = localAdminApp();
const db = getDatabase(app);
const firestore = getFirestore(app);

const call = new SimulatedCall({
  baseUrl: values.base,
  publicBaseUrl: values['public-base'] || values.base,
  authToken: process.env.TWILIO_AUTH_TOKEN || LOCAL_DEFAULTS.twilioAuthToken,
  from: values.from,
  twilioApi: values['twilio-api'],
  // As `npm run preflight -- --fix` configures the number: Twilio plays this when the voice
  // webhook fails. The local stack's Hosting build writes it at the local token's path.
  fallbackUrl: `${values['public-base'] || values.base}${fallbackPath(LOCAL_FALLBACK_PATH_TOKEN)}`,
  onConference: showNotice,
});

function show(turn: TwimlTurn) {
  if (turn.status !== 200) throw new Error(`Aurora answered HTTP ${turn.status}: ${turn.body}`);
  for (const line of turn.said) console.log(`  Aurora: ${line}`);
  if (turn.hungUp) console.log('  (Aurora hung up)');
}

console.log(`Calling Aurora from ${values.from} (CallSid ${call.callSid})`);
let turn = await call.ring().catch((err: unknown) => {
  console.error(
    `Could not reach Aurora at ${values.base} (${String((err as Error).cause ?? err)}). Is \`npm start\` running?`,
  );
  process.exit(1);
});
if (turn.fallbackFrom) {
  console.log(
    `  (Aurora's voice webhook answered HTTP ${turn.fallbackFrom}: Twilio plays the number's fallback line)`,
  );
  show(turn);
  if (turn.dialed) console.log(`  (dialling ${turn.dialed})`);
  await deleteApp(app);
  process.exit(0);
}
show(turn);
for (const speech of [...(values.silence ? [''] : []), ...utterances]) {
  if (turn.hungUp) break;
  console.log(`  Caller: ${speech || '(silence)'}`);
  turn = await call.say(speech);
  show(turn);
}

const callId = (await db.ref(`call_sids/${call.callSid}`).get()).val() as string | null;
if (!callId) {
  console.log('\nNo live record of this call was found.');
} else {
  const live = (await db.ref(`active_calls/${callId}`).get()).val();
  console.log(`\nLive in the Realtime Database: active_calls/${callId}`);
  console.log(JSON.stringify(live, null, 2));
}

let hungUpBySupervisor = false;
if (values.keep) {
  console.log(
    '\nOn the line. Type what the caller says (Enter sends, Ctrl-D hangs up); a supervisor can take over in the dashboard.',
  );
  const input = createInterface({ input: process.stdin });
  // A supervisor's words arrive as Twilio call updates, whenever they are sent.
  const listening = (async () => {
    while (!hungUpBySupervisor && !turn.hungUp) {
      const update = await call.nextUpdate(25_000).catch(() => null);
      if (!update) continue;
      if (update.leftConference)
        console.log(
          update.leftConference === 'ended'
            ? '  (the conference ended)'
            : '  (the caller was taken out of the conference)',
        );
      for (const line of update.said) console.log(`  Supervisor/Aurora: ${line}`);
      if (update.dialed) console.log(`  (bridged to ${update.dialed})`);
      if (update.conference) {
        const { name, members } = update.conference;
        const present = members.map((m) => someone(m.who) + (m.muted ? ' (muted)' : ''));
        console.log(
          `  (in the conference ${name}${present.length ? ` with ${present.join(', ')}` : ', waiting for the others'}; what you type is spoken there)`,
        );
      }
      if (update.hungUp) {
        console.log('  (the supervisor ended the call)');
        hungUpBySupervisor = true;
        input.close();
      }
    }
  })();
  for await (const line of input) {
    if (hungUpBySupervisor || turn.hungUp) break;
    if (call.conference) {
      // Spoken into the conference; if it ended a moment ago, nobody was there to hear it.
      const spoken = await call.say(line.trim());
      if (spoken.status !== 200) console.log('  (nobody heard that: the conference had ended)');
      continue;
    }
    turn = await call.say(line.trim());
    show(turn);
  }
  if (hungUpBySupervisor) await listening;
}

// Twilio sends the status callback however the call ended; after a supervisor's hang-up it already has.
{
  if (!hungUpBySupervisor) await call.status('completed');
  console.log('\nHung up; waiting for the archive…');
  const deadline = Date.now() + 30_000;
  while (callId && Date.now() < deadline) {
    const [archived, stillLive] = await Promise.all([
      firestore.collection('calls').doc(callId).get(),
      db.ref(`active_calls/${callId}`).get(),
    ]);
    // An ended CRITICAL call nobody acknowledged is archived but stays live, alarming and
    // escalating, until a supervisor acknowledges it (docs/design.md's safety rules).
    const live = LiveCall.safeParse(stillLive.val());
    const awaitingAck =
      archived.exists &&
      live.success &&
      live.data.status === 'ENDED' &&
      awaitsAcknowledgement(live.data);
    if (archived.exists && (!stillLive.exists() || awaitingAck)) {
      const conversation = await firestore
        .collection('conversations')
        .doc(archived.get('conversation_id'))
        .get();
      console.log(
        `Archived in Firestore: calls/${callId} (urgency ${archived.get('urgency')}, ${archived.get('duration_seconds')} s)`,
      );
      console.log(
        `  conversations/${conversation.id}: ${conversation.get('total_messages')} messages`,
      );
      for (const m of conversation.get('messages') as Array<{
        role: string;
        content: string;
        sources: string;
        fallback?: string;
      }>) {
        const notes = [
          m.sources && `sources: ${m.sources}`,
          m.fallback && `answered by: ${m.fallback}`,
        ]
          .filter(Boolean)
          .join('; ');
        console.log(`    ${m.role}: ${m.content}${notes ? `  [${notes}]` : ''}`);
      }
      console.log(
        awaitingAck
          ? "Still live, on purpose: a CRITICAL call nobody acknowledged stays in the dashboard's alarm (and escalates) until a supervisor acknowledges it; then it is archived again and removed from the Realtime Database."
          : 'Removed from the Realtime Database.',
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (Date.now() >= deadline)
    console.log('The archive did not complete within 30 s: see the stack output.');
}
await deleteApp(app);
// A supervisor-update poll may still be waiting on the line; the call is over.
process.exit(0);
