import type { Urgency } from '../model/schema';

const SENDS_TO_EMERGENCY_SERVICES = /\bemergency services\b|\b(911|999|112)\b/i;
const SENDS_TO_SAFETY = /\b(safe|safety|leave|evacuate|get out|move away|upwind|do not enter|do not touch|step back)\b/i;
export const SAFETY_LINE = 'Get yourself to a safe place now and call emergency services.';

/** In a life-threatening situation the reply always sends the caller to safety and to emergency services. */
export function withSafetyAdvice(text: string, urgency: Urgency): string {
  if (urgency !== 'CRITICAL') return text;
  if (SENDS_TO_EMERGENCY_SERVICES.test(text) && SENDS_TO_SAFETY.test(text)) return text;
  return `${SAFETY_LINE} ${text}`;
}
