/** The caller's language through the whole stack: the registry, the Gather, the voice, the model's grounding. */
import { describe, expect, it } from 'vitest';
import { modelRequests } from '../helpers/model';
import {
  acknowledge,
  archivedAndPurged,
  liveCallIdFor,
  newCall,
  testClients,
} from '../helpers/stack';

const { db } = testClients();

describe("the caller's language", () => {
  it('greets, hears and answers a worker the registry knows as German in German', async () => {
    const call = newCall('+15550100005'); // Lena Fischer, language de-DE in scripts/seed/workers.json
    const greeting = await call.ring();
    expect(greeting.body).toContain('language="de-DE"');
    expect(greeting.body).toContain('voice="Polly.Vicki"');
    expect(greeting.said[0]).toMatch(/^Hallo Lena Fischer, hier ist Aurora/);
    const before = (await modelRequests()).length;
    const turn = await call.say('es brennt in der Werkstatt');
    expect(turn.body).toContain('<Say voice="Polly.Vicki" language="de-DE">');
    expect(turn.said[0]).toMatch(/Notruf/);
    const request = (await modelRequests()).slice(before)[0];
    expect(request.messages[0].content).toContain('The caller speaks German');
    const callId = (await liveCallIdFor(call.callSid))!;
    expect((await db.ref(`active_calls/${callId}/language`).get()).val()).toBe('de');
    expect((await db.ref(`active_calls/${callId}/urgency`).get()).val()).toBe('CRITICAL');
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
  });

  it('answers a caller the registry does not know in the language they speak', async () => {
    const call = newCall('+15550199999');
    await call.ring();
    const turn = await call.say('hay mucho humo en la nave dos');
    expect(turn.body).toContain('voice="Polly.Lucia"');
    expect(turn.body).toContain('language="es-ES"');
    expect(turn.said[0]).toMatch(/servicios de emergencia/);
    await call.status('completed');
  });
});
