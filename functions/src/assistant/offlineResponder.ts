import { DEFAULT_LANGUAGE, type Language, type Procedure } from '@aurora/model';
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

/**
 * Pure and instant: the procedure the words point at, the urgency the words call for (a
 * negated or hypothetical hazard raises nothing), and its guidance in the caller's language.
 */
export function offlineReply(
  utterance: string,
  procedures: Procedure[],
  language: Language = DEFAULT_LANGUAGE,
): Reply {
  const { urgency, procedures: ranked, urgencies } = triage(utterance, procedures);
  const [best] = ranked;
  if (!best) return { text: GENERAL[language], urgency: 'NORMAL', sources: [] };
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
  // Procedures are site data anyone with write access could edit; the safety line is not.
  return {
    text: withSafetyAdvice(guidance, urgency, language),
    urgency,
    sources: said.map((p) => p.title),
  };
}

/** The urgency the caller's words alone call for: a floor no model can lower. */
export function keywordUrgency(utterance: string, procedures: Procedure[]): Reply['urgency'] {
  return triage(utterance, procedures).urgency;
}

/** The deterministic responder: no network, no key, always answers, grounded in the procedures, in the caller's language. */
export const offlineResponder: Responder = {
  respond: async ({ utterance, procedures, language, caller }) => ({
    ...offlineReply(utterance, procedures, language ?? replyLanguage(caller.language, utterance)),
    fallback: undefined,
  }),
};
