/**
 * `npm run eval -- --responder offline|model [thresholds]`: runs the labelled corpus
 * (eval/corpus/*.jsonl) through a responder and prints the urgency confusion matrix, the
 * life-threatening cases answered below CRITICAL, over-triage, procedure hits, the safety line
 * on CRITICAL replies, reply language and reply time. Then whole conversations
 * (eval/conversations/*.jsonl, scripts/lib/conversations.ts) through the same urgency path as a
 * call: urgency after each turn, turns until CRITICAL, and the texts to on-call staff a
 * non-emergency would have caused. Exits 1 when the run breaks a threshold it was given
 * (--min-exact 0.9 --max-over 0.1 --max-under-critical 0 --max-conversation-texts 0 …), 2 on a
 * usage error.
 *
 * `--responder model` answers through the local model server (scripts/lib/model-server.ts),
 * or through a provider with `--base-url` and `--api-key` (or OPENAI_BASE_URL/OPENAI_API_KEY)
 * and `--model`. Runs the compiled functions (functions/lib): `npm run eval` builds them first.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseCommandLine } from './lib/command-line.ts';
import { ModelServer } from './lib/model-server.ts';
import { ROOT } from './lib/project.ts';
import {
  breaches,
  format,
  loadCorpus,
  score,
  type Outcome,
  type Thresholds,
} from './lib/evaluation.ts';
import {
  formatConversations,
  loadConversations,
  runConversation,
  scoreConversations,
  type ConversationDeps,
  type ConversationOutcome,
} from './lib/conversations.ts';

import type { Responder } from 'aurora-functions/lib/assistant/responder.js';

const require = createRequire(import.meta.url);

const USAGE = `usage: npm run eval -- [--responder offline|model] [--corpus DIR] [--conversations DIR]
                     [--base-url URL --api-key KEY --model NAME] [--model-latency MS] [--min-exact R] [--max-over R]
                     [--max-under-critical N] [--min-procedure R] [--min-language R] [--max-missing-safety N]
                     [--max-raised N] [--max-p95-ms MS] [--max-conversation-under-critical N]
                     [--max-conversation-texts N] [--verbose]`;

const { values, fail: usage } = parseCommandLine('eval', USAGE, {
  responder: { type: 'string', default: 'offline' },
  corpus: { type: 'string', default: join(ROOT, 'eval', 'corpus') },
  conversations: { type: 'string', default: join(ROOT, 'eval', 'conversations') },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  model: { type: 'string' },
  'model-latency': { type: 'string', default: '0' },
  'min-exact': { type: 'string' },
  'max-over': { type: 'string' },
  'max-under-critical': { type: 'string' },
  'min-procedure': { type: 'string' },
  'min-language': { type: 'string' },
  'max-missing-safety': { type: 'string' },
  'max-raised': { type: 'string' },
  'max-p95-ms': { type: 'string' },
  'max-conversation-under-critical': { type: 'string' },
  'max-conversation-texts': { type: 'string' },
  verbose: { type: 'boolean', default: false },
});

const number = (name: keyof typeof values): number | undefined => {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n))
    usage(`--${name} wants a number, got ${String(raw)}`);
  return n;
};
const thresholds: Thresholds = {
  minExact: number('min-exact'),
  maxOver: number('max-over'),
  maxUnderCritical: number('max-under-critical'),
  minProcedure: number('min-procedure'),
  minLanguage: number('min-language'),
  maxMissingSafety: number('max-missing-safety'),
  maxRaised: number('max-raised'),
  maxP95Ms: number('max-p95-ms'),
  maxConversationUnderCritical: number('max-conversation-under-critical'),
  maxConversationTexts: number('max-conversation-texts'),
};

// The functions' compiled modules, by name (`npm run eval` builds them first).
const { DEMO_PROCEDURES } =
  require('aurora-functions/lib/assistant/procedures.js') as typeof import('aurora-functions/lib/assistant/procedures.js');
const { hasSafetyAdvice } =
  require('aurora-functions/lib/assistant/safety.js') as typeof import('aurora-functions/lib/assistant/safety.js');
const { detectLanguage } =
  require('aurora-functions/lib/assistant/language.js') as typeof import('aurora-functions/lib/assistant/language.js');
const { wordsFloor, answerFor } =
  require('aurora-functions/lib/assistant/keyQuestions.js') as typeof import('aurora-functions/lib/assistant/keyQuestions.js');
const { afterCallerWords, afterReply, confirmed } =
  require('aurora-functions/lib/core/callUrgency.js') as typeof import('aurora-functions/lib/core/callUrgency.js');

let server: ModelServer | null = null;
async function responderFor(
  kind: string | undefined,
): Promise<{ responder: Responder; label: string }> {
  if (kind === 'offline')
    return {
      responder: (
        require('aurora-functions/lib/assistant/offlineResponder.js') as typeof import('aurora-functions/lib/assistant/offlineResponder.js')
      ).offlineResponder,
      label: 'offline',
    };
  if (kind !== 'model') usage(`--responder is offline or model, not ${kind}`);
  const { modelResponder } =
    require('aurora-functions/lib/assistant/modelResponder.js') as typeof import('aurora-functions/lib/assistant/modelResponder.js');
  const { openaiChatFor } =
    require('aurora-functions/lib/adapters/openaiChat.js') as typeof import('aurora-functions/lib/adapters/openaiChat.js');
  let baseUrl = values['base-url'] ?? process.env.OPENAI_BASE_URL;
  const apiKey = values['api-key'] ?? process.env.OPENAI_API_KEY ?? 'local';
  if (!baseUrl && !values['api-key'] && !process.env.OPENAI_API_KEY) {
    server = await new ModelServer().start();
    server.latencyMs = Number(values['model-latency']);
    baseUrl = server.baseUrl;
  }
  const model =
    values.model ?? process.env.OPENAI_MODEL ?? (server ? 'local-grounded-model' : 'gpt-4o-mini');
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  const responder = modelResponder({
    chat: openaiChatFor({ apiKey, baseUrl: baseUrl ?? 'https://api.openai.com/v1' }),
    model,
    budgetMs: 8000,
    log,
  });
  return { responder, label: `model ${model} at ${server ? 'the local model server' : baseUrl}` };
}

const cases = loadCorpus(values.corpus!);
const conversations = loadConversations(values.conversations!);
const { responder, label } = await responderFor(values.responder);
const titles = new Map(DEMO_PROCEDURES.map((p) => [p.title, p.id]));
const outcomes: Outcome[] = [];
const conversationOutcomes: ConversationOutcome[] = [];
// A call's turn, as production takes it: the words' floor, the answer to the open question, the reply.
const conversationDeps: ConversationDeps = {
  respond: (input) =>
    responder.respond({ ...input, caller: { workerId: 'eval' }, procedures: DEMO_PROCEDURES }),
  wordsFloor: (utterance) => wordsFloor(utterance, DEMO_PROCEDURES),
  answerFor: (open, utterance, language) => answerFor(open, utterance, DEMO_PROCEDURES, language),
  afterCallerWords,
  afterReply,
  confirmed,
};
try {
  for (const c of cases) {
    const started = performance.now();
    const reply = await responder.respond({
      utterance: c.text,
      caller: { workerId: 'unknown' },
      history: [],
      procedures: DEMO_PROCEDURES,
    });
    const ms = performance.now() - started;
    outcomes.push({
      urgency: reply.urgency,
      procedures: reply.sources.map((s) => titles.get(s) ?? s),
      text: reply.text,
      ms,
      safetyLine: hasSafetyAdvice(reply.text),
      replyLanguage: detectLanguage(reply.text),
    });
  }
  for (const c of conversations)
    conversationOutcomes.push(await runConversation(c, conversationDeps));
} finally {
  // Assigned inside responderFor: TypeScript's narrowing does not see it.
  await (server as ModelServer | null)?.stop();
}

const report = score(cases, outcomes);
console.log(`Aurora triage evaluation: ${label}, corpus ${values.corpus}`);
console.log(format(report, values.verbose));
const conversationReport = scoreConversations(conversationOutcomes);
console.log(`\nconversations ${values.conversations}`);
console.log(formatConversations(conversationReport, values.verbose));
const broken = breaches(report, thresholds, conversationReport);
if (broken.length > 0) {
  console.error(`\nFAILED: ${broken.join('; ')}`);
  process.exitCode = 1;
} else if (Object.values(thresholds).some((t) => t !== undefined)) {
  console.log('\nEvery threshold held.');
}
