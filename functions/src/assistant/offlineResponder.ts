import {
  DEFAULT_LANGUAGE,
  type KeyQuestion,
  type Language,
  type LiveMessage,
  type Procedure,
  type Urgency,
} from '@aurora/model';
import { ACKNOWLEDGED, answerTo, questionIn, STAY_ON_THE_LINE } from './answers';
import {
  askedIn,
  ifAlarming,
  incidentQuestion,
  lastQuestion,
  personQuestion,
  questionKey,
  questionToAsk,
} from './keyQuestions';
import { replyLanguage } from './language';
import { guidanceIn } from './procedures';
import type { Reply, Responder } from './responder';
import { withSafetyAdvice } from './safety';
import { triage } from './triage';

/** What Aurora says when the words point at no procedure yet, in each language. */
export const GENERAL: Record<Language, string> = {
  en: 'I am Aurora, the safety line. Tell me what is happening and where you are, and I will guide you.',
  es: 'Soy Aurora, la línea de seguridad. Dígame qué está pasando y dónde está, y le guiaré.',
  de: 'Hier ist Aurora, die Sicherheitsleitung. Sagen Sie mir, was passiert und wo Sie sind, dann helfe ich Ihnen.',
  fr: 'Ici Aurora, la ligne de sécurité. Dites-moi ce qui se passe et où vous êtes, et je vous guiderai.',
  pt: 'Aqui é a Aurora, a linha de segurança. Diga-me o que está acontecendo e onde você está, e eu vou orientar você.',
};

/** What Aurora says mid-call when nothing said so far points at a procedure: not the opening line again. */
export const LISTENING: Record<Language, string> = {
  en: 'I am listening. Tell me what is happening and where you are.',
  es: 'Le escucho. Dígame qué está pasando y dónde está.',
  de: 'Ich höre Ihnen zu. Sagen Sie mir, was passiert und wo Sie sind.',
  fr: 'Je vous écoute. Dites-moi ce qui se passe et où vous êtes.',
  pt: 'Estou ouvindo. Diga-me o que está acontecendo e onde você está.',
};

type History = Pick<LiveMessage, 'role' | 'content'>[];

/**
 * Pure and instant: the procedure the words point at, the urgency the words call for (a
 * negated or hypothetical hazard raises nothing), and its guidance in the caller's language;
 * when the words leave urgency unsure, the key question that settles it. Mid-call it converses:
 * words that point at nothing new are taken in the context of the call so far (the history).
 */
export function offlineReply(
  utterance: string,
  procedures: Procedure[],
  language: Language = DEFAULT_LANGUAGE,
  history: History = [],
): Reply {
  const found = triage(utterance, procedures);
  const { urgency, procedures: ranked, urgencies } = found;
  const [best] = ranked;
  const asked = askedIn(history, procedures);
  const last = lastQuestion(history, procedures);
  const verdict = last ? answerTo(last.question, utterance, language) : 'unclear';
  // "No, it's the drill's smoke machine" answers the question: it is not a new fire to guide.
  if (!best || (verdict === 'reassuring' && urgency !== 'CRITICAL'))
    return followUp(
      utterance,
      procedures,
      language,
      history,
      asked,
      last && verdict === 'alarming' ? ifAlarming(last.question.id, last.procedure) : null,
    );
  // A danger that can be made safe comes first, and the casualty's care, as urgent, follows it
  // ("do not touch him until the power is off", then CPR); after "do not go in after them", nothing.
  const care =
    best.danger === 'isolate'
      ? ranked.find(
          (p) => !p.danger && p.about === 'person' && urgencies.get(p) === urgencies.get(best),
        )
      : undefined;
  const said = care ? [best, care] : [best];
  const guidance = said.map((p) => guidanceIn(p, language)).join(' ');
  const next = questionToAsk(found, asked);
  // Procedures are site data anyone with write access could edit; the safety line is not.
  return {
    text: asking(withSafetyAdvice(guidance, urgency, language), next, language),
    urgency,
    sources: said.map((p) => p.title),
    ...(found.provisional ? { provisional: true } : {}),
    ...(next ? { question: { procedure: next.procedure.id, id: next.question.id } } : {}),
  };
}

/**
 * Words that point at no procedure, mid-call: an answer to Aurora's question, or more about the
 * same thing. Acknowledged and taken in the call's context (the procedure the earlier words
 * pointed at): an alarming answer gets that procedure's guidance at its urgency, then the next
 * question, or the caller is asked to stay on the line.
 */
function followUp(
  utterance: string,
  procedures: Procedure[],
  language: Language,
  history: History,
  asked: Set<string>,
  /** Where the caller's alarming answer to Aurora's last question takes the call, if it alarmed. */
  alarmed: Urgency | null,
): Reply {
  const topic = topicOf(history, procedures);
  if (!topic) {
    const opening = !history.some((m) => m.role === 'user');
    // "There's a guy in the water": whatever it is, whether he is awake and breathing decides it.
    const about =
      personQuestion(utterance, procedures, asked) ??
      (opening ? incidentQuestion(utterance, procedures, asked) : null);
    return {
      text: asking((opening ? GENERAL : LISTENING)[language], about, language),
      urgency: 'NORMAL',
      sources: [],
      ...(about ? { question: { procedure: about.procedure.id, id: about.question.id } } : {}),
    };
  }
  // "It's real, not a drill" alarms nothing new: it confirms what stands (NORMAL here).
  const urgency = alarmed ?? 'NORMAL';
  const next = topic.questions?.find((q) => !asked.has(questionKey(topic, q)));
  const step =
    urgency === 'NORMAL' ? '' : withSafetyAdvice(guidanceIn(topic, language), urgency, language);
  const text = [ACKNOWLEDGED[language], step, next ? '' : STAY_ON_THE_LINE[language]]
    .filter(Boolean)
    .join(' ');
  return {
    text: asking(text, next ? { question: next } : null, language),
    urgency,
    sources: step ? [topic.title] : [],
    ...(next ? { question: { procedure: topic.id, id: next.id } } : {}),
  };
}

/**
 * Earlier caller words looked back through for what the call is about: the latest few, and of
 * each only its start (triage takes time in proportion to the words), never a whole long call.
 */
const TOPIC_LOOKBACK = 4;
const TOPIC_CHARS = 500;

/** What the call is about: the procedure the caller's latest words that pointed at one pointed at. */
function topicOf(history: History, procedures: Procedure[]): Procedure | undefined {
  const earlier = history.filter((m) => m.role === 'user').slice(-TOPIC_LOOKBACK);
  for (const { content } of earlier.reverse()) {
    const [best] = triage(content.slice(0, TOPIC_CHARS), procedures).procedures;
    if (best) return best;
  }
  return undefined;
}

const asking = (
  text: string,
  next: { question: KeyQuestion } | null,
  language: Language,
): string => (next ? `${text} ${questionIn(next.question, language)}` : text);

/** The urgency the caller's words alone call for: a floor no model can lower. */
export function keywordUrgency(utterance: string, procedures: Procedure[]): Reply['urgency'] {
  return triage(utterance, procedures).urgency;
}

/** The deterministic responder: no network, no key, always answers, grounded in the procedures, in the caller's language. */
export const offlineResponder: Responder = {
  respond: async ({ utterance, procedures, language, caller, history }) => ({
    ...offlineReply(
      utterance,
      procedures,
      language ?? replyLanguage(caller.language, utterance),
      history,
    ),
    fallback: undefined,
  }),
};
