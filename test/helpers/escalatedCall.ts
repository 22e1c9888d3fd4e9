/** A watched CRITICAL call escalated to both on-call numbers: where Twilio's reports on those texts start from. */
import { escalateCall } from '../../functions/src/calls/escalateCall';
import type { EscalationRecipient } from '@aurora/model';
import { watchedCall } from './calls';

const CALL_ID = 'call_15550100001_20251004_143000';
/** The first on-call number, whose text the tests report on by default. */
export const FIRST_ON_CALL = '+15550190001';

/** watchedCall() gone CRITICAL and escalated a minute later; `first` and `second` are the texts sent. */
export async function escalatedCall() {
  const world = await watchedCall();
  await world.critical();
  world.clock.advance(60_000);
  await world.write(() => escalateCall(world.queue.escalations[0].task, world.deps));
  const [first, second] = world.sms.sent;
  const recipient = async (key = FIRST_ON_CALL) =>
    (await world.live.get(
      `active_calls/${CALL_ID}/escalation/recipients/${key}`,
    )) as EscalationRecipient;
  return { ...world, first, second, recipient };
}
