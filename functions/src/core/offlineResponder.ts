import type { Reply, Responder } from './responder';
import type { Urgency } from './urgency';

type Rule = { name: string; urgency: Urgency; pattern: RegExp; text: string; source: string };

const MANUAL = 'Emergency Procedures Manual';

/**
 * Keyword rules, most dangerous first. Life-threatening situations (fire, gas, injury,
 * people trapped, electric shock) are CRITICAL; every CRITICAL answer sends the caller to
 * safety and to emergency services.
 */
const RULES: Rule[] = [
  {
    name: 'fire',
    urgency: 'CRITICAL',
    pattern: /\b(fire|flames?|burning|smoke|smoky|explosion|exploded|blaze)\b/,
    text: 'Leave the area now by the nearest safe exit and raise the fire alarm; do not use lifts. Once you are safe, call emergency services and go to your assembly point.',
    source: `${MANUAL}: Fire`,
  },
  {
    name: 'gas',
    urgency: 'CRITICAL',
    pattern: /\b(gas|fumes?|ammonia|chlorine|h2s)\b/,
    text: 'Move upwind and away from the leak now, and do not switch anything on or off near it. From a safe distance, raise the alarm and call emergency services.',
    source: `${MANUAL}: Gas leak`,
  },
  {
    name: 'trapped',
    urgency: 'CRITICAL',
    pattern: /\b(trapped|stuck|buried|pinned|collapsed?|crushed)\b/,
    text: 'Call emergency services now and do not enter the area yourself. Keep talking to the trapped person if you can do so safely, and tell me exactly where they are.',
    source: `${MANUAL}: Rescue`,
  },
  {
    name: 'electrical',
    urgency: 'CRITICAL',
    pattern: /\b(electrocuted|electric shock|shocked|live wires?|arc flash)\b/,
    text: 'Do not touch the person or anything they are touching until the power is isolated. Call emergency services now, and switch off the supply only if you can do it safely.',
    source: `${MANUAL}: Electrical`,
  },
  {
    name: 'injury',
    urgency: 'CRITICAL',
    pattern: /\b(injur(y|ed|ies)|bleeding|blood|unconscious|not breathing|collapsed|fell|fallen|broken (arm|leg|bone)|hurt|burns?|heart attack)\b/,
    text: 'Call emergency services now. If it is safe, stay with the person, do not move them unless they are in danger, and press firmly on any bleeding.',
    source: `${MANUAL}: First aid`,
  },
  {
    name: 'spill',
    urgency: 'URGENT',
    pattern: /\b(spill(ed|age)?|chemicals?|leak(ing)?|acid|corrosive)\b/,
    text: 'Keep everyone away from the spill and do not touch it without the right protective equipment. Stop the source only if it is safe, and tell your supervisor now.',
    source: `${MANUAL}: Chemical spill`,
  },
  {
    name: 'hazard',
    urgency: 'URGENT',
    pattern: /\b(sparks?|alarm|hazard|dangerous|unsafe|dizzy|faint|overheating|malfunction(ing)?)\b/,
    text: 'Step back from the hazard and keep others away from it. If it gets worse or anyone feels unwell, leave the area and call emergency services.',
    source: `${MANUAL}: Hazard reporting`,
  },
];

const GENERAL: Reply = {
  text: 'I am Aurora, the safety line. Tell me what is happening and where you are, and I will guide you.',
  urgency: 'NORMAL',
  sources: [],
};

/** Pure and instant: the urgency and canned answer for an utterance. */
export function offlineReply(utterance: string): Reply {
  const text = utterance.toLowerCase();
  const rule = RULES.find((r) => r.pattern.test(text));
  return rule ? { text: rule.text, urgency: rule.urgency, sources: [rule.source] } : GENERAL;
}

/** The deterministic responder: no network, no key, always answers. */
export const offlineResponder: Responder = {
  respond: async ({ utterance }) => offlineReply(utterance),
};
