/**
 * The conversation evaluation, apart from its I/O: whole calls, turn by turn, through the same
 * urgency path as production (the words' floor, the answer to Aurora's key question, the
 * responder, core/callUrgency.ts), and their figures. A case gives the caller's words turn by
 * turn, or the facts the caller knows, from which a simulated caller answers Aurora's question in
 * the case's language. `scripts/eval.ts` drives it with the compiled functions; the tests hand in
 * fixed replies.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES, QuestionId, type Language } from '@aurora/model';
import { z } from 'zod';
import { URGENCIES, type Urgency } from './evaluation.ts';

import type {
  Answer,
  UrgencyFields,
  UrgencyState,
  WordsFloor,
} from 'aurora-functions/lib/core/callUrgency.js';
import type { Reply, ResponderInput } from 'aurora-functions/lib/assistant/responder.js';

/** A caller speaks at most this many times in a case: a dispatcher settles urgency in a few questions. */
export const MAX_CALLER_TURNS = 4;
/** The fake clock's step between turns: about one spoken reply and one Gather. */
export const TURN_MS = 8_000;
const CLOCK_START = Date.parse('2026-01-05T09:00:00Z');

const Facts = z
  .object(Object.fromEntries(QuestionId.options.map((id) => [id, z.boolean().optional()])))
  .strict() as z.ZodType<Partial<Record<QuestionId, boolean>>>;
const Labels = {
  lang: z.enum(LANGUAGES),
  life_threatening: z.boolean(),
  /** The right urgency once the call has been settled. */
  urgency: z.enum(URGENCIES),
  class: z.string().default('other'),
};
const TurnsCase = z
  .object({ ...Labels, turns: z.array(z.string().min(1)).min(1).max(MAX_CALLER_TURNS) })
  .strict();
const FactsCase = z.object({ ...Labels, first: z.string().min(1), facts: Facts }).strict();

export type ConversationCase = {
  lang: Language;
  life_threatening: boolean;
  urgency: Urgency;
  class: string;
  /** file:line, so a failure can be found. */
  where: string;
} & (
  | { turns: string[]; first?: undefined; facts?: undefined }
  | { first: string; facts: Partial<Record<QuestionId, boolean>>; turns?: undefined }
);

/** One line of a conversations file; a malformed one throws with its place. */
export function parseConversation(line: string, where: string): ConversationCase {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  const schema = raw !== null && typeof raw === 'object' && 'turns' in raw ? TurnsCase : FactsCase;
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${where}: a conversation needs lang, life_threatening, urgency, class and either turns ` +
        `(at most ${MAX_CALLER_TURNS}) or first and facts (${QuestionId.options.join(', ')}): ` +
        parsed.error.issues.map((i) => `${i.path.join('.') || 'case'} ${i.message}`).join('; '),
    );
  return { ...(parsed.data as Omit<ConversationCase, 'where'>), where } as ConversationCase;
}

/** Every `*.jsonl` file under `dir`, one conversation a line. */
export function loadConversations(dir: string): ConversationCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          line.trim() === '' ? [] : [parseConversation(line, `${file}:${i + 1}`)],
        ),
    );
}

type Said = Record<Language, string>;
type Both = { yes: Said; no: Said };

/**
 * What the simulated caller says to each key question, by what is true: short, natural, and
 * stating the fact, the way a caller answers a dispatcher (a "yes" alone would test nothing).
 * `fire` is the one procedure whose "still going on" a caller says in its own words.
 */
export const CALLER_ANSWERS: Record<QuestionId, Both> & { ongoingFire: Both } = {
  awake: {
    yes: {
      en: "yes, he's awake and talking to me",
      es: 'sí, está despierto y me habla',
      de: 'ja, er ist wach und redet mit mir',
      fr: 'oui, il est réveillé et il me parle',
      pt: 'sim, ele está acordado e falando comigo',
    },
    no: {
      en: "no, he's not awake, he doesn't respond at all",
      es: 'no, no está despierto, no responde nada',
      de: 'nein, er ist nicht wach, er reagiert überhaupt nicht',
      fr: "non, il n'est pas réveillé, il ne réagit pas du tout",
      pt: 'não, ele não está acordado, não responde nada',
    },
  },
  breathing: {
    yes: {
      en: "yes, he's breathing normally",
      es: 'sí, respira normal',
      de: 'ja, er atmet normal',
      fr: 'oui, il respire normalement',
      pt: 'sim, ele está respirando normal',
    },
    no: {
      en: "no, he's not breathing",
      es: 'no, no respira',
      de: 'nein, er atmet nicht',
      fr: 'non, il ne respire pas',
      pt: 'não, ele não está respirando',
    },
  },
  trapped: {
    yes: {
      en: "yes, he's stuck, we can't get him out",
      es: 'sí, está atrapado, no lo podemos sacar',
      de: 'ja, er ist eingeklemmt, wir kriegen ihn nicht raus',
      fr: "oui, il est coincé, on n'arrive pas à le sortir",
      pt: 'sim, ele está preso, não conseguimos tirar ele',
    },
    no: {
      en: "no, nobody's trapped, he's free",
      es: 'no, nadie está atrapado, está libre',
      de: 'nein, niemand ist eingeklemmt, er ist frei',
      fr: "non, personne n'est coincé, il est libre",
      pt: 'não, ninguém está preso, ele está livre',
    },
  },
  hurt: {
    yes: {
      en: "yes, he's hurt, he's in a lot of pain",
      es: 'sí, está herido, le duele mucho',
      de: 'ja, er ist verletzt, er hat starke Schmerzen',
      fr: 'oui, il est blessé, il a très mal',
      pt: 'sim, ele está ferido, está com muita dor',
    },
    no: {
      en: "no, nobody's hurt, everyone's fine",
      es: 'no, nadie está herido, todos están bien',
      de: 'nein, niemand ist verletzt, allen geht es gut',
      fr: "non, personne n'est blessé, tout le monde va bien",
      pt: 'não, ninguém se machucou, está todo mundo bem',
    },
  },
  // Aurora may ask "is it real?" or "is this a drill?": a bare yes or no would say opposite things.
  real: {
    yes: {
      en: "it's real, it's not a drill",
      es: 'es real, no es un simulacro',
      de: 'das ist echt, keine Übung',
      fr: "c'est réel, ce n'est pas un exercice",
      pt: 'é real, não é simulado',
    },
    no: {
      en: "it's just a drill",
      es: 'es solo un simulacro',
      de: 'das ist nur eine Übung',
      fr: "c'est juste un exercice",
      pt: 'é só um simulado',
    },
  },
  ongoing: {
    yes: {
      en: "yes, it's still going on",
      es: 'sí, sigue pasando',
      de: 'ja, es geht immer noch weiter',
      fr: 'oui, ça continue encore',
      pt: 'sim, ainda está acontecendo',
    },
    no: {
      en: "no, it's over now, it has stopped",
      es: 'no, ya pasó, ya paró',
      de: 'nein, es ist vorbei, es hat aufgehört',
      fr: "non, c'est fini, ça s'est arrêté",
      pt: 'não, já acabou, já parou',
    },
  },
  ongoingFire: {
    yes: {
      en: "yes, it's still burning",
      es: 'sí, sigue ardiendo',
      de: 'ja, es brennt immer noch',
      fr: 'oui, ça brûle encore',
      pt: 'sim, ainda está pegando fogo',
    },
    no: {
      en: 'no, the fire is out',
      es: 'no, el fuego ya está apagado',
      de: 'nein, das Feuer ist aus',
      fr: 'non, le feu est éteint',
      pt: 'não, o fogo já está apagado',
    },
  },
};

/** What a caller who does not know says. */
export const DONT_KNOW: Said = {
  en: "I don't know",
  es: 'no lo sé',
  de: 'ich weiß es nicht',
  fr: 'je ne sais pas',
  pt: 'não sei',
};

/** The simulated caller's answer to Aurora's key question, from what it knows. */
export function callerAnswer(
  question: { procedure: string; id: QuestionId },
  facts: Partial<Record<QuestionId, boolean>>,
  lang: Language,
): string {
  const fact = facts[question.id];
  if (fact === undefined) return DONT_KNOW[lang];
  const table =
    question.id === 'ongoing' && question.procedure === 'fire'
      ? CALLER_ANSWERS.ongoingFire
      : CALLER_ANSWERS[question.id];
  return table[fact ? 'yes' : 'no'][lang];
}

/**
 * The caller's next words after `spoken` turns and Aurora's last reply, or null when the call
 * ends: scripted words as given; a simulated caller answers the key question, and hangs up when
 * the reply asks none.
 */
export function callerNext(
  c: ConversationCase,
  spoken: number,
  lastReply: Pick<Reply, 'question'> | null,
): string | null {
  if (spoken >= MAX_CALLER_TURNS) return null;
  if (c.turns) return c.turns[spoken] ?? null;
  if (spoken === 0) return c.first;
  return lastReply?.question ? callerAnswer(lastReply.question, c.facts, c.lang) : null;
}

/** A call's state as production stores it; fields set to null are removed (a transaction's merge). */
export function merged(state: UrgencyState, fields: UrgencyFields): UrgencyState {
  const next: Record<string, unknown> = { ...state };
  for (const [key, value] of Object.entries(fields)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as UrgencyState;
}

/** The production path a conversation runs through, with the procedures already bound in. */
export type ConversationDeps = {
  respond: (input: Pick<ResponderInput, 'utterance' | 'history' | 'language'>) => Promise<Reply>;
  wordsFloor: (utterance: string) => WordsFloor;
  answerFor: (
    open: UrgencyState['question'],
    utterance: string,
    language: Language,
  ) => Answer | undefined;
  afterCallerWords: (
    call: UrgencyState,
    floor: WordsFloor,
    answer: Answer | undefined,
    at: string,
    utterance: string,
  ) => UrgencyFields;
  afterReply: (call: UrgencyState, reply: Reply, at: string) => UrgencyFields;
  confirmed: (call: UrgencyState) => UrgencyFields;
};

export type Turn = {
  said: string;
  reply: string;
  /** The key question the reply asked, if any. */
  question?: QuestionId;
  /** The call's urgency once the reply was given. */
  urgency: Urgency;
  provisional: boolean;
};

export type ConversationOutcome = {
  c: ConversationCase;
  turns: Turn[];
  /** The urgency that stands once the line drops (confirmed). */
  final: Urgency;
};

/** One whole call: the caller's turns, the urgency after each, and what stands when the line drops. */
export async function runConversation(
  c: ConversationCase,
  deps: ConversationDeps,
): Promise<ConversationOutcome> {
  let state: UrgencyState = { urgency: 'NORMAL' };
  const history: ResponderInput['history'] = [];
  const turns: Turn[] = [];
  let reply: Reply | null = null;
  for (
    let said = callerNext(c, 0, null);
    said !== null;
    said = callerNext(c, turns.length, reply)
  ) {
    const at = new Date(CLOCK_START + turns.length * TURN_MS).toISOString();
    const floor = deps.wordsFloor(said);
    const answer = deps.answerFor(state.question, said, c.lang);
    state = merged(state, deps.afterCallerWords(state, floor, answer, at, said));
    reply = await deps.respond({ utterance: said, history: [...history], language: c.lang });
    state = merged(state, deps.afterReply(state, reply, at));
    history.push({ role: 'user', content: said }, { role: 'assistant', content: reply.text });
    turns.push({
      said,
      reply: reply.text,
      question: reply.question?.id,
      urgency: state.urgency,
      provisional: state.urgency_provisional === true,
    });
  }
  state = merged(state, deps.confirmed(state));
  return { c, turns, final: state.urgency };
}

export type ConversationReport = {
  total: number;
  lifeThreatening: number;
  /** Life-threatening calls below CRITICAL once the line drops (after the question is answered). */
  underCritical: ConversationOutcome[];
  /**
   * Non-life-threatening calls CRITICAL once the line drops: a confirmed CRITICAL nobody
   * acknowledges texts the on-call staff after the escalation delay.
   */
  texts: ConversationOutcome[];
  /** For life-threatening calls: caller turns until the call stood at CRITICAL. */
  turnsToCritical: { mean: number | null; max: number | null; never: number };
  /** Life-threatening calls at CRITICAL after each caller turn (a call that ended keeps its last). */
  criticalByTurn: number[];
  exact: number;
  /** Life-threatening calls CRITICAL at the end, of all life-threatening ones. */
  sensitivity: number | null;
  /** CRITICAL-at-end calls that were life-threatening, of all CRITICAL-at-end. */
  ppv: number | null;
  outcomes: ConversationOutcome[];
};

/** The figures of a set of conversations. */
export function scoreConversations(outcomes: ConversationOutcome[]): ConversationReport {
  const lifeThreatening = outcomes.filter((o) => o.c.life_threatening);
  const critical = outcomes.filter((o) => o.final === 'CRITICAL');
  const reached = lifeThreatening
    .map((o) => o.turns.findIndex((t) => t.urgency === 'CRITICAL') + 1)
    .filter((n) => n > 0);
  const longest = Math.max(0, ...outcomes.map((o) => o.turns.length));
  const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const trueAlarms = critical.filter((o) => o.c.life_threatening).length;
  return {
    total: outcomes.length,
    lifeThreatening: lifeThreatening.length,
    underCritical: lifeThreatening.filter((o) => o.final !== 'CRITICAL'),
    texts: critical.filter((o) => !o.c.life_threatening),
    turnsToCritical: {
      mean: reached.length ? reached.reduce((a, b) => a + b, 0) / reached.length : null,
      max: reached.length ? Math.max(...reached) : null,
      never: lifeThreatening.length - reached.length,
    },
    criticalByTurn: Array.from(
      { length: longest },
      (_, k) =>
        lifeThreatening.filter(
          (o) => o.turns[Math.min(k, o.turns.length - 1)]?.urgency === 'CRITICAL',
        ).length,
    ),
    exact: outcomes.filter((o) => o.final === o.c.urgency).length / Math.max(1, outcomes.length),
    sensitivity: ratio(trueAlarms, lifeThreatening.length),
    ppv: ratio(trueAlarms, critical.length),
    outcomes,
  };
}

/** Where emergency dispatch and trauma triage stand, for the figures beside them. */
export const DISPATCH_ANCHORS =
  'ACS field triage: under-triage ≤ 5%, over-triage 25–50%; cardiac arrest recognised on the call: ' +
  'dispatchers 72.5%, a machine-learning listener 84.1% (Blomberg et al., Resuscitation 2019)';

const trajectory = (o: ConversationOutcome) =>
  o.turns.map((t) => `${t.urgency}${t.provisional ? '?' : ''}`).join(' → ') + ` ⇒ ${o.final}`;

/** The conversation figures as a person reads them; `verbose` lists every call's turns. */
export function formatConversations(report: ConversationReport, verbose = false): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const head = (o: ConversationOutcome) =>
    `${o.c.where} [${o.c.lang}] ${o.c.class}, want ${o.c.urgency}: ${trajectory(o)}`;
  const { mean, max, never } = report.turnsToCritical;
  const lines = [
    `conversations: ${report.total} (${report.lifeThreatening} life-threatening); urgency after each caller turn, ? provisional, ⇒ once the line drops`,
    ...report.criticalByTurn.map(
      (n, k) =>
        `  life-threatening at CRITICAL after turn ${k + 1}: ${n}/${report.lifeThreatening}`,
    ),
    `life-threatening below CRITICAL at the end: ${report.underCritical.length}`,
    ...report.underCritical.map((o) => `    ${head(o)}`),
    `turns until CRITICAL (life-threatening): mean ${mean === null ? 'n/a' : mean.toFixed(2)}, max ${max ?? 'n/a'}` +
      (never ? `, ${never} never` : ''),
    `texts to on-call staff a non-emergency would have caused: ${report.texts.length}`,
    ...report.texts.map((o) => `    ${head(o)}`),
    `exact urgency at the end:  ${pct(report.exact)}`,
    `sensitivity (life-threatening at CRITICAL): ${pct(report.sensitivity)}; PPV (CRITICAL that were life-threatening): ${pct(report.ppv)}`,
    `  as field triage counts it: under-triage ${pct(report.sensitivity === null ? null : 1 - report.sensitivity)}, ` +
      `over-triage ${pct(report.ppv === null ? null : 1 - report.ppv)} (1 − PPV)`,
    `  anchors: ${DISPATCH_ANCHORS}`,
  ];
  if (verbose)
    for (const o of report.outcomes) {
      lines.push(`  ${head(o)}`);
      for (const t of o.turns)
        lines.push(
          `      caller: "${t.said}"`,
          `      aurora [${t.urgency}${t.provisional ? '?' : ''}${t.question ? `, asks ${t.question}` : ''}]: "${t.reply}"`,
        );
    }
  return lines.join('\n');
}
