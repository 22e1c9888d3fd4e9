/** Aurora's voice through the whole stack: the model in the functions emulator, its fallbacks, partial speech. */
import { describe, expect, it } from 'vitest';
import { postSigned } from '../../scripts/lib/twilio-sim.ts';
import { modelRequests, scriptModel } from '../helpers/model';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  liveCallIdFor,
  newCall,
  testClients,
} from '../helpers/stack';

const { db } = testClients();

async function lastMessage(conversationId: string) {
  const messages = (
    await db.ref(`active_conversations/${conversationId}/messages`).get()
  ).val() as Record<string, Record<string, string>>;
  return messages[Object.keys(messages).sort().at(-1)!]!;
}

describe('the model on a live call', () => {
  it('answers from the model, grounded in the site procedures and aware of the caller', async () => {
    const call = newCall('+15550100003');
    await call.ring();
    const before = (await modelRequests()).length;
    const turn = await call.say('there is an ammonia leak by the tank farm');
    expect(turn.said[0]).toMatch(/Move upwind/);
    const request = (await modelRequests()).slice(before)[0];
    expect(request.model).toBe('aurora-test-model');
    expect(request.messages[0].content).toContain('Gas Leak and Toxic Release (EP-02) [CRITICAL]');
    expect(request.messages[0].content).toContain(
      'Ana Costa, working at Riverside Plant, Tank Farm',
    );
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    expect(await lastMessage(conversationId)).toMatchObject({
      role: 'assistant',
      sources: 'Gas Leak and Toxic Release (EP-02)',
    });
    expect((await lastMessage(conversationId)).fallback).toBeUndefined();
    expect((await db.ref(`active_calls/${callId}/urgency`).get()).val()).toBe('CRITICAL');
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, conversationId);
  });

  it('still answers when every model fails, and records that the offline responder spoke', async () => {
    const call = newCall();
    await call.ring();
    await scriptModel({ status: 500 }, { status: 503 }, { status: 500 });
    const turn = await call.say('my colleague fell from the ladder');
    expect(turn.status).toBe(200);
    expect(turn.said[0]).toMatch(/call emergency services/);
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    expect(await lastMessage(conversationId)).toMatchObject({
      fallback: 'offline',
      sources: 'Fall from Height (EP-06)',
    });
    await call.status('completed');
    await acknowledge(callId);
    const { conversation } = await archivedAndPurged(callId, conversationId);
    expect(conversation.messages.at(-1).fallback).toBe('offline');
  });

  it('answers within the turn budget when the model is too slow', async () => {
    const call = newCall();
    await call.ring();
    await scriptModel({ delayMs: 6000 }, { delayMs: 6000 }, { delayMs: 6000 });
    const turn = await call.say('there is smoke in the workshop');
    expect(turn.said[0]).toMatch(/Leave the area now/);
    expect(turn.ms).toBeLessThan(10_000); // budget 3 s; Twilio gives up at 15 s
    await acknowledge((await liveCallIdFor(call.callSid))!);
    await call.status('completed');
  });
});

describe('partial speech', () => {
  it('streams what the caller is saying into the call, and the turn closes it', async () => {
    const call = newCall();
    const greeting = await call.ring();
    const partialUrl = /partialResultCallback="([^"]+)"/
      .exec(greeting.body)![1]
      .replace(/&amp;/g, '&');
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    const params = (sequence: number, text: string) => ({
      AccountSid: call.accountSid,
      CallSid: call.callSid,
      SequenceNumber: String(sequence),
      StableSpeechResult: '',
      UnstableSpeechResult: text,
    });
    expect((await postSigned(SIM, partialUrl, params(1, 'there is'))).status).toBe(200);
    expect((await postSigned(SIM, partialUrl, params(2, 'there is a fire'))).status).toBe(200);
    expect((await postSigned(SIM, partialUrl, params(1, 'there is'), 'forged')).status).toBe(403);
    expect(
      (await db.ref(`active_conversations/${conversationId}/partial`).get()).val(),
    ).toMatchObject({ sequence: 2, text: 'there is a fire' });

    await call.say('there is a fire');
    expect(
      (await db.ref(`active_conversations/${conversationId}/partial`).get()).val(),
    ).toMatchObject({ closed: true });
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, conversationId);
  });
  it('answers a turn with the reply the model began on the stable words, asking it once', async () => {
    const call = newCall('+15550100003');
    await call.ring();
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    const hits = async () =>
      Object.values(
        ((await db.ref('usage/speculation-hit').get()).val() ?? {}) as Record<string, number>,
      ).reduce((a, b) => a + b, 0);
    const [hitsBefore, requestsBefore] = [await hits(), (await modelRequests()).length];
    // The model takes 700 ms, while the caller is still talking: the partial callback holds until it is stored.
    await scriptModel({ delayMs: 700 });
    await call.speaking('by the tank farm', 'there is an ammonia leak');
    await call.speaking('', 'there is an ammonia leak by the tank farm');
    expect(
      (await db.ref(`active_conversations/${conversationId}/speculation/state`).get()).val(),
    ).toBe('ready');
    expect(
      Object.values(
        (await db.ref(`active_conversations/${conversationId}/messages`).get()).val() as object,
      ),
    ).toHaveLength(1); // the greeting only

    const turn = await call.say('There is an ammonia leak by the tank farm.');
    expect(turn.said[0]).toMatch(/Move upwind/);
    expect(turn.ms).toBeLessThan(700); // answered without waiting for the model again
    const requests = (await modelRequests()).slice(requestsBefore);
    expect(requests.map((r) => r.messages.at(-1)!.content)).toEqual([
      '<caller_speech>there is an ammonia leak</caller_speech>',
      '<caller_speech>there is an ammonia leak by the tank farm</caller_speech>',
    ]);
    expect(await hits()).toBe(hitsBefore + 1);
    expect(await lastMessage(conversationId)).toMatchObject({
      role: 'assistant',
      sources: 'Gas Leak and Toxic Release (EP-02)',
    });
    expect((await db.ref(`active_calls/${callId}/urgency`).get()).val()).toBe('CRITICAL');
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, conversationId);
  });
});
