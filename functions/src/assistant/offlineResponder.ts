import { normalizeSpeech, selectProcedures, type Procedure } from './procedures';
import type { Reply, Responder } from './responder';
import { withSafetyAdvice } from './safety';

const GENERAL: Reply = {
  text: 'I am Aurora, the safety line. Tell me what is happening and where you are, and I will guide you.',
  urgency: 'NORMAL',
  sources: [],
};

/** Pure and instant: the procedure the words point at, its urgency and its guidance. */
export function offlineReply(utterance: string, procedures: Procedure[]): Reply {
  const [best] = selectProcedures(utterance, procedures, 1);
  // Procedures are site data anyone with write access could edit; the safety line is not.
  return best ? { text: withSafetyAdvice(best.guidance, best.urgency), urgency: best.urgency, sources: [best.title] } : GENERAL;
}

/** The urgency the caller's words alone call for: a floor no model can lower. */
export function keywordUrgency(utterance: string, procedures: Procedure[]): Reply['urgency'] {
  return normalizeSpeech(utterance).trim() === '' ? 'NORMAL' : offlineReply(utterance, procedures).urgency;
}

/** The deterministic responder: no network, no key, always answers, grounded in the procedures. */
export const offlineResponder: Responder = {
  respond: async ({ utterance, procedures }) => ({ ...offlineReply(utterance, procedures), fallback: undefined }),
};
