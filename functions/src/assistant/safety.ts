import { DEFAULT_LANGUAGE, type Language, type Urgency } from '@aurora/model';
import { withoutAccents } from './speech';

/** The line a CRITICAL reply starts with unless it already sends the caller to safety and to emergency services. */
export const SAFETY_LINES: Record<Language, string> = {
  en: 'Get yourself to a safe place now and call emergency services.',
  es: 'Póngase a salvo ahora y llame a los servicios de emergencia.',
  de: 'Bringen Sie sich jetzt in Sicherheit und rufen Sie den Notruf.',
  fr: 'Mettez-vous en sécurité maintenant et appelez les secours.',
  pt: 'Vá agora para um local seguro e ligue para os serviços de emergência.',
};
export const SAFETY_LINE = SAFETY_LINES.en;

/** Per language (matched without accents): words that send the caller to emergency services, and to safety. */
const ADVICE: Array<{ emergency: RegExp; safety: RegExp }> = [
  {
    emergency: /\bemergency services\b|\b(911|999|112)\b/i,
    safety:
      /\b(safe|safety|leave|evacuate|get out|move away|upwind|do not enter|do not touch|step back)\b/i,
  },
  {
    emergency: /\bservicios de emergencia\b|\bemergencias\b|\b(112|911)\b/i,
    safety: /\b(a salvo|segur[oa]|salga|alejese|aleje|evacue|no entre|no toque)\b/i,
  },
  {
    emergency: /\bnotruf\b|\brettungsdienst\b|\b112\b/i,
    safety:
      /\b(sicherheit|sicher|sicheren|gefahrlos|verlassen|entfernen|fern|nicht betreten|nicht beruhren|abstand)\b/i,
  },
  {
    emergency: /\bsecours\b|\bsamu\b|\bpompiers\b|\b(15|18|112)\b/i,
    safety: /\b(securite|quittez|eloignez|evacuez|n entrez pas|ne touchez pas)\b/i,
  },
  {
    emergency: /\bservicos de emergencia\b|\bsamu\b|\bbombeiros\b|\b(192|193|190|112)\b/i,
    safety: /\b(segur[oa]|saia|afaste|evacue|nao entre|nao toque)\b/i,
  },
];

const plain = (text: string) => withoutAccents(text).replace(/['’]/g, ' ');

/** The text sends the caller both to safety and to emergency services, in any supported language. */
export function hasSafetyAdvice(text: string): boolean {
  const t = plain(text);
  return ADVICE.some(({ emergency, safety }) => emergency.test(t) && safety.test(t));
}

/** In a life-threatening situation the reply always sends the caller to safety and to emergency services. */
export function withSafetyAdvice(
  text: string,
  urgency: Urgency,
  language: Language = DEFAULT_LANGUAGE,
): string {
  if (urgency !== 'CRITICAL' || hasSafetyAdvice(text)) return text;
  return `${SAFETY_LINES[language]} ${text}`;
}
