/** The integration stack's escalation settings, and what its Twilio stand-in has texted. */
import { LOCAL_ON_CALL, PORTS } from '../../scripts/lib/project.ts';
import type { SentMessage } from '../../scripts/lib/twilio-api.ts';

export const ESCALATION_SECONDS = 5;
/** The local on-call numbers, which the local build's fallback line dials too. */
export const ON_CALL = LOCAL_ON_CALL.numbers;

export async function textsSent(): Promise<SentMessage[]> {
  const res = await fetch(`http://127.0.0.1:${PORTS.twilioApi}/sim/messages`);
  return ((await res.json()) as { messages: SentMessage[] }).messages;
}
