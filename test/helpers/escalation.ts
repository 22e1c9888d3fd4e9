/** The integration stack's escalation settings, and what its Twilio stand-in has texted. */
import { PORTS } from '../../scripts/lib/project.ts';
import type { SentMessage } from '../../scripts/lib/twilio-api.ts';

export const ESCALATION_SECONDS = 5;
export const ON_CALL = ['+15550190001', '+15550190002'];

export async function textsSent(): Promise<SentMessage[]> {
  const res = await fetch(`http://127.0.0.1:${PORTS.twilioApi}/sim/messages`);
  return ((await res.json()) as { messages: SentMessage[] }).messages;
}
