/**
 * `npm run preflight -- --project <id> [--fix] [--number <E.164>]`: checks a deployment before a
 * worker depends on it and says what is wrong in plain words, with what to do about each
 * problem: params and secrets, the database's region against the functions', the Twilio
 * number's webhooks, the SMS sender and on-call numbers, the fallback line on Hosting, the
 * voice webhook, the task queues, the admins. `--fix` points the number's voice URL, status
 * callback and fallback URL at this deployment. A real project is read with Application Default
 * Credentials (see the README's "Going live"); a demo- project is the running local stack.
 * `--twilio-api` and `--tasks-api` send those calls to local stand-ins (the tests).
 */
import { parseArgs } from 'node:util';
import { checkDeployment, formatFindings, numberUpdate, wantedNumberConfig } from './lib/preflight/checks.ts';
import { gatherFacts, numbersOf } from './lib/preflight/gather.ts';

const usage = 'usage: npm run preflight -- --project <id> [--fix] [--number <E.164>] [--twilio-api <url>] [--tasks-api <url>]';
const { values } = parseArgs({
  options: {
    project: { type: 'string' },
    fix: { type: 'boolean', default: false },
    number: { type: 'string' },
    'twilio-api': { type: 'string' },
    'tasks-api': { type: 'string' },
  },
});
if (!values.project) {
  console.error(usage);
  process.exit(2);
}
const options = { projectId: values.project, voiceNumber: values.number, twilioApi: values['twilio-api'], tasksApi: values['tasks-api'] };

const gathered = await gatherFacts(options);
const { twilio } = gathered;
let { facts } = gathered;
if (values.fix) {
  const voice = Array.isArray(facts.twilioNumbers) ? facts.twilioNumbers.find((n) => n.phoneNumber === facts.voiceNumber) : undefined;
  if (!twilio || !voice || !facts.params.PUBLIC_BASE_URL) {
    console.log('--fix: nothing to fix with: the number, the Twilio account or PUBLIC_BASE_URL is missing (see below).');
  } else {
    const update = numberUpdate(wantedNumberConfig(facts.params.PUBLIC_BASE_URL), voice);
    if (Object.keys(update).length === 0) console.log(`--fix: ${voice.phoneNumber} already points at this deployment.`);
    else {
      try {
        await twilio.incomingPhoneNumbers(voice.sid).update(update);
        console.log(`--fix: set ${voice.phoneNumber}'s ${Object.entries(update).map(([k, v]) => `${k} to ${v || '(none)'}`).join(', ')}`);
        // Only the number changed: Twilio is asked again, not every other source.
        facts = { ...facts, twilioNumbers: await numbersOf(twilio, facts.voiceNumber, facts.params).catch((err: unknown) => ({ error: String(err) })) };
      } catch (err) {
        const { code, message } = err as { code?: number; message?: string };
        console.log(`--fix: Twilio refused the update${code ? ` (error ${code})` : ''}: ${message ?? String(err)}`);
      }
    }
  }
}
const findings = checkDeployment(facts);
console.log(formatFindings(facts.projectId, findings));
process.exit(findings.some((f) => !f.ok) ? 1 : 0);
