/**
 * `npm run preflight -- --project <id> [--fix] [--number <E.164>]`: checks a deployment before a
 * worker depends on it and says what is wrong in plain words, with what to do about each
 * problem: params and secrets, the database's region against the functions', the Twilio
 * number's webhooks, the SMS sender and on-call numbers, what stops texts and calls reaching
 * them (an unregistered US 10DLC sender, a trial account, geographic permissions), the fallback line on Hosting, the
 * voice webhook, the task queues, the admins, and the dashboard's voice (the API key and the
 * TwiML App). `--fix` points the number's voice URL, status callback and fallback URL, and the
 * TwiML App's Voice URL, at this deployment. A real project is read with Application Default
 * Credentials (see docs/going-live.md); a demo- project is the running local stack.
 * `--twilio-api` and `--tasks-api` send those calls to local stand-ins (the tests).
 */
import { parseCommandLine } from './lib/command-line.ts';

const USAGE = `usage: npm run preflight -- --project <id> [--fix] [--number <E.164>] [--twilio-api <url>] [--tasks-api <url>]
Checks a deployment before a worker depends on it and says what is wrong in plain words, each problem with
what to do about it: params and secrets, the database's region against the functions', the Twilio number's
webhooks, the SMS sender and on-call numbers, what stops texts and calls reaching them (an unregistered US
10DLC sender, a trial account, SMS and voice geographic permissions), the fallback line on Hosting, the
voice webhook, the task queues, the admins, and the dashboard's voice (the API key that signs supervisors'
voice tokens, the TwiML App their browsers call through and its Voice URL). Exits 1 while anything is wrong. A real project is read with Application Default
Credentials; a demo- project (demo-aurora) is the running local stack (npm start).

options:
  --project <id>      the Firebase project to check (required)
  --fix               point the number's voice URL, status callback and fallback URL (and methods), and
                      the TwiML App's Voice URL, at this deployment
  --number <E.164>    the hotline number (default TWILIO_VOICE_NUMBER from functions/.env or
                      functions/.env.<project>)
  --twilio-api <url>  send the Twilio REST calls to a local stand-in (the tests)
  --tasks-api <url>   send the Cloud Tasks calls to a local stand-in (the tests)
  -h, --help          this help`;

const { values, fail } = parseCommandLine('preflight', USAGE, {
  project: { type: 'string' },
  fix: { type: 'boolean', default: false },
  number: { type: 'string' },
  'twilio-api': { type: 'string' },
  'tasks-api': { type: 'string' },
});
const projectId = values.project || fail('--project is required.');

// Loaded after the command line is parsed, so --help answers without the SDKs.
const {
  checkDeployment,
  deploymentNumberConfig,
  formatFindings,
  numberUpdate,
  withoutFallbackToken,
} = await import('./lib/preflight/checks.ts');
const { fixVoiceApp, gatherFacts, numbersOf } = await import('./lib/preflight/gather.ts');
const options = {
  projectId,
  voiceNumber: values.number,
  twilioApi: values['twilio-api'],
  tasksApi: values['tasks-api'],
};

const gathered = await gatherFacts(options);
const { twilio } = gathered;
let { facts } = gathered;
if (values.fix) {
  const voice = Array.isArray(facts.twilioNumbers)
    ? facts.twilioNumbers.find((n) => n.phoneNumber === facts.voiceNumber)
    : undefined;
  if (!twilio || !voice || !facts.params.PUBLIC_BASE_URL) {
    console.log(
      '--fix: nothing to fix with: the number, the Twilio account or PUBLIC_BASE_URL is missing (see below).',
    );
  } else {
    const update = numberUpdate(deploymentNumberConfig(facts), voice);
    if (Object.keys(update).length === 0)
      console.log(`--fix: ${voice.phoneNumber} already points at this deployment.`);
    else {
      try {
        await twilio.incomingPhoneNumbers(voice.sid).update(update);
        console.log(
          withoutFallbackToken(
            `--fix: set ${voice.phoneNumber}'s ${Object.entries(update)
              .map(([k, v]) => `${k} to ${v || '(none)'}`)
              .join(', ')}`,
            facts,
          ),
        );
        // Only the number changed: Twilio is asked again, not every other source.
        facts = {
          ...facts,
          twilioNumbers: await numbersOf(twilio, facts.voiceNumber, facts.params).catch(
            (err: unknown) => ({ error: String(err) }),
          ),
        };
      } catch (err) {
        const { code, message } = err as { code?: number; message?: string };
        console.log(
          `--fix: Twilio refused the update${code ? ` (error ${code})` : ''}: ${message ?? String(err)}`,
        );
      }
    }
  }
}
if (values.fix && twilio) {
  const fixed = await fixVoiceApp(twilio, facts);
  if (fixed) {
    console.log(fixed.said);
    facts = fixed.facts;
  }
}
const findings = checkDeployment(facts);
console.log(formatFindings(facts.projectId, findings));
process.exit(findings.some((f) => !f.ok) ? 1 : 0);
