/**
 * The key questions, as a turn uses them: what the caller's words alone make of urgency (sure or
 * provisional), how they answer the question Aurora asked, and the question a reply asks when
 * the words leave urgency unsure. Pure; the decisions themselves are core/callUrgency.ts.
 */
import {
  type KeyQuestion,
  type Language,
  LANGUAGES,
  type LiveMessage,
  type OpenQuestion,
  type Procedure,
  type Urgency,
} from '@aurora/model';
import type { Answer, WordsFloor } from '../core/callUrgency';
import { answerTo, questionIn, saysNotReal } from './answers';
import type { Reply } from './responder';
import { NEGATIONS } from './cues';
import { mentionsPerson } from './people';
import { rank } from '../core/urgency';
import { plainText } from './speech';
import { triage, type Triage } from './triage';

type History = Pick<LiveMessage, 'role' | 'content'>[];

/** What the words alone call for, and whether that rests only on unsure words. */
export function wordsFloor(utterance: string, procedures: Procedure[]): WordsFloor {
  if (utterance.trim() === '') return { urgency: 'NORMAL', provisional: false };
  const { urgency, provisional } = triage(utterance, procedures);
  return { urgency, provisional };
}

/** The question Aurora asked, as the procedure holds it (null: the procedure or question is gone). */
export function askedQuestion(
  open: Pick<OpenQuestion, 'procedure' | 'id'>,
  procedures: Procedure[],
): { procedure: Procedure; question: KeyQuestion } | null {
  const procedure = procedures.find((p) => p.id === open.procedure);
  const question = procedure?.questions?.find((q) => q.id === open.id);
  return procedure && question ? { procedure, question } : null;
}

/**
 * How `utterance` answers the open question, if one is open and still known. Words that say it
 * is a drill or a test answer the procedure's "is it real" question whatever was asked ("is the
 * fire still burning?" "no, it's the drill's smoke machine"): the caller said so explicitly.
 */
export function answerFor(
  open: Pick<OpenQuestion, 'procedure' | 'id'> | undefined,
  utterance: string,
  procedures: Procedure[],
  language: Language,
): Answer | undefined {
  const asked = open ? askedQuestion(open, procedures) : null;
  if (!asked || utterance.trim() === '') return undefined;
  const real = asked.procedure.questions?.find((q) => q.id === 'real');
  const notReal = !!real && saysNotReal(utterance, language) && !hedged(utterance, 'real');
  const settled = notReal ? real : asked.question;
  const verdict = notReal ? 'reassuring' : answerTo(settled, utterance, language);
  return {
    // Only a plain reassurance lowers urgency: a hedged one confirms what stands.
    verdict: verdict === 'reassuring' && hedged(utterance, settled.id) ? 'unclear' : verdict,
    answered: settled.id,
    ifReassured: settled.if_reassured,
    ifAlarming: ifAlarming(settled.id, asked.procedure),
    question: questionIn(asked.question, language),
  };
}

/** Words that doubt a reassurance: "I think it's the drill", "maybe he's fine". */
const DOUBT = new Set(
  'think thought maybe perhaps guess dunno creo quizas quiza talvez glaube vielleicht crois pense acho'.split(
    ' ',
  ),
);
/** A "but" that turns it around when "now" and a denial follow: "but now he is not", "pero ya no responde". */
const CONTRAST = new Set(['but', 'though', 'pero', 'aber', 'mais', 'mas', 'porem']);
const NOW = new Set(['now', 'ahora', 'ya', 'jetzt', 'nun', 'maintenant', 'agora', 'ja']);
/** Words that put a reassurance in the past: he *was* awake, a minute *ago*, for a *second*. */
const BEFORE = new Set(
  'ago before earlier second moment hace antes segundo momento vorhin vorher sekunde avant seconde instant atras'.split(
    ' ',
  ),
);
/** What a caller may say first without denying anything: "no no, it's the drill", "oh no". */
const INTERJECTIONS = new Set(['no', 'nao', 'oh', 'ah', 'nah', 'non', 'nein', 'wait', 'sorry']);

/**
 * Whether a reassuring answer is hedged, so it cannot lower urgency: a question back, a doubt
 * or a "but", a denial anywhere but a leading "no no" (for "is it real?"), or, for whether the
 * person is awake or breathing, a reassurance put in the past ("he was awake a minute ago").
 */
export function hedged(utterance: string, id: KeyQuestion['id']): boolean {
  if (utterance.includes('?')) return true;
  // Every word as said (tokenize turns "but" into a clause break, and a clause break is a word here).
  const words = plainText(utterance)
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => DOUBT.has(w))) return true;
  const turned = words.some((w, at) => {
    if (!CONTRAST.has(w)) return false;
    const after = words.slice(at + 1, at + 6);
    return after.some((a) => NOW.has(a)) && after.some((a) => NEGATIONS.has(a));
  });
  if (turned) return true;
  if ((id === 'awake' || id === 'breathing') && words.some((w) => BEFORE.has(w))) return true;
  if (id !== 'real') return false;
  let i = 0;
  while (i < words.length && INTERJECTIONS.has(words[i])) i++;
  // Up to the word for the drill: "nobody told us about a drill", not "a drill, nobody is hurt".
  const drill = words.findIndex((w, at) => at >= i && DRILL_WORDS.some((d) => w.startsWith(d)));
  // Without a word for the drill ("it's the sensor, nobody's sick") a denial denies something else.
  return drill >= 0 && words.slice(i, drill).some((w) => NEGATIONS.has(w));
}

/** The word for a drill or a test, by its start, in the five languages. */
const DRILL_WORDS = [
  'drill',
  'exercis',
  'test',
  'simula',
  'prueba',
  'ubung',
  'probe',
  'essai',
  'treino',
];

/**
 * The key question to ask after these words, the first one not yet asked: of the procedure whose
 * unsure words raised the call (is it real, is he breathing), else of an injured or unwell person
 * the words made URGENT (a dispatcher asks whether they are awake and breathing normally: the
 * answer may make it CRITICAL). None once urgency is settled.
 */
export function questionToAsk(
  found: Pick<Triage, 'provisional' | 'unsure' | 'urgency' | 'procedures'>,
  asked: ReadonlySet<string> = new Set(),
): { procedure: Procedure; question: KeyQuestion } | null {
  const person = found.procedures.find((p) => p.about === 'person');
  const about = found.provisional
    ? found.unsure
    : found.urgency === 'URGENT' && person?.urgency === 'URGENT'
      ? person
      : undefined;
  const question = about?.questions?.find((q) => !asked.has(questionKey(about, q)));
  return about && question ? { procedure: about, question } : null;
}

/**
 * Where an alarming answer takes the call: not awake, not breathing normally or trapped is
 * life-threatening whatever the first words were; someone hurt or a danger still going on is the
 * procedure's urgency, at least URGENT; "it's real, not a drill" confirms what stands (it does
 * not undo an answer that lowered it: "the fire is out").
 */
export function ifAlarming(id: KeyQuestion['id'], procedure: Procedure): Urgency {
  if (id === 'real') return 'NORMAL';
  if (id === 'awake' || id === 'breathing' || id === 'trapped') return 'CRITICAL';
  return procedure.urgency === 'NORMAL' ? 'URGENT' : procedure.urgency;
}

/**
 * Words about a person that point at no procedure ("there's a guy in the water", "die Kollegin ist
 * so komisch"): the question a dispatcher asks about anyone, whether they are awake and
 * breathing normally (from the most urgent person procedure that has it). An alarming answer
 * makes the call CRITICAL.
 */
export function personQuestion(
  utterance: string,
  procedures: Procedure[],
  asked: ReadonlySet<string> = new Set(),
): { procedure: Procedure; question: KeyQuestion } | null {
  if (!mentionsPerson(utterance) || triage(utterance, procedures).procedures.length > 0)
    return null;
  const people = procedures.filter((p) => p.about === 'person');
  // The most urgent first: its "awake" question is asked as a life may depend on it.
  return firstAsking(
    people.sort((a, b) => rank[b.urgency] - rank[a.urgency]),
    'awake',
    asked,
  );
}

/**
 * Words that point at no procedure and name no one ("se volcó el tractor", "a pallet fell on dave's
 * leg"), said first: the question a dispatcher asks of any incident, whether anyone is hurt (from
 * a procedure about information, whose level is NORMAL: a "yes" makes it URGENT, and the next
 * question whether the person is awake).
 */
export function incidentQuestion(
  utterance: string,
  procedures: Procedure[],
  asked: ReadonlySet<string> = new Set(),
): { procedure: Procedure; question: KeyQuestion } | null {
  if (utterance.trim() === '' || triage(utterance, procedures).procedures.length > 0) return null;
  return firstAsking(
    procedures.filter((p) => p.about === 'info'),
    'hurt',
    asked,
  );
}

/** The first of `procedures` with a question `id`, unless that one was asked already. */
function firstAsking(
  procedures: Procedure[],
  id: KeyQuestion['id'],
  asked: ReadonlySet<string>,
): { procedure: Procedure; question: KeyQuestion } | null {
  for (const procedure of procedures) {
    const question = procedure.questions?.find((q) => q.id === id);
    if (question)
      return asked.has(questionKey(procedure, question)) ? null : { procedure, question };
  }
  return null;
}

/** A question's identity across a call: its procedure and id. */
export const questionKey = (procedure: Pick<Procedure, 'id'>, question: Pick<KeyQuestion, 'id'>) =>
  `${procedure.id}/${question.id}`;

/** Every key question Aurora's earlier replies asked, in any language. */
export function askedIn(history: History, procedures: Procedure[]): Set<string> {
  const asked = new Set<string>();
  const replies = history.filter((m) => m.role === 'assistant').map((m) => m.content);
  if (replies.length === 0) return asked;
  for (const p of procedures)
    for (const q of p.questions ?? [])
      if (replies.some((r) => askedBy(r, q))) asked.add(questionKey(p, q));
  return asked;
}

/** The key question Aurora's last reply ended with, if it asked one. */
export function lastQuestion(
  history: History,
  procedures: Procedure[],
): { procedure: Procedure; question: KeyQuestion } | null {
  const reply = history.findLast((m) => m.role === 'assistant')?.content;
  if (!reply) return null;
  for (const procedure of procedures)
    for (const question of procedure.questions ?? [])
      if (askedBy(reply, question)) return { procedure, question };
  return null;
}

const askedBy = (reply: string, question: KeyQuestion) =>
  LANGUAGES.some((l) => reply.includes(questionIn(question, l)));

/**
 * A reply from any responder (the model's too) ends with the key question when the caller's
 * words leave urgency unsure: asking is Aurora's rule, not the model's choice. A reply that
 * already asks one is left as it is.
 */
export function withKeyQuestion(
  reply: Reply,
  utterance: string,
  procedures: Procedure[],
  language: Language,
  history: History,
): Reply {
  if (reply.question) return reply;
  const found = triage(utterance, procedures);
  const asked = askedIn(history, procedures);
  const next = questionToAsk(found, asked) ?? personQuestion(utterance, procedures, asked);
  const provisional = reply.provisional ?? found.provisional;
  if (!next) return provisional ? { ...reply, provisional } : reply;
  const question = questionIn(next.question, language);
  return {
    ...reply,
    text: reply.text.includes(question) ? reply.text : `${reply.text} ${question}`,
    question: { procedure: next.procedure.id, id: next.question.id },
    provisional,
  };
}
