import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import type { LiveMessage } from '@aurora/model';
import { turnWebhook } from '../../../functions/src/triggers/webhooks';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
/** The English sentences that the detector alone reads as German, French and Spanish. */
const SHORT_ENGLISH = [
  'Call an ambulance!',
  'Maria fainted!',
  'Chemical spill in bay two.',
  'Conveyor belt!',
];
const SPANISH = [
  'mi compañero se cayó del andamio y no se mueve',
  'tiene la pierna atrapada debajo de la carretilla y sangra mucho',
];

/** A call from +15550100001, whose registry entry says `language` (or nothing). */
async function ring(language?: string) {
  const ctx = memoryDeps({
    workers: {
      findByPhone: async () => ({
        workerId: 'worker_005',
        name: 'Lena Fischer',
        ...(language ? { language } : {}),
      }),
    },
  });
  const greeting = await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
  ctx.clock.advance(5000);
  return { ...ctx, greeting };
}

describe("the caller's language, end to end", () => {
  it('greets, hears and answers a worker registered as German in German', async () => {
    const { deps, live, greeting } = await ring('de-DE');
    expect(greeting).toContain('language="de-DE"');
    expect(greeting).toContain(
      '<Say voice="Polly.Vicki" language="de-DE">Hallo Lena Fischer, hier ist Aurora',
    );
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('de');
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'es brennt in der Werkstatt', silentTurns: 0 },
      deps,
    );
    expect(twiml).toContain('<Say voice="Polly.Vicki" language="de-DE">');
    expect(twiml).toContain('Notruf');
    expect(twiml).toContain('language="de-DE"');
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
  });

  it("speaks a supervisor's lines in the caller's language, and listens in it afterwards", async () => {
    const { deps, voice } = await ring('de-DE');
    const admin = { id: 'ana@site.example' };
    expect(await controlCall({ action: 'take', callId: CALL_ID }, admin, deps)).toMatchObject({
      ok: true,
    });
    const joined = voice.sent.at(-1)!.twiml!;
    expect(joined).toContain(
      '<Say voice="Polly.Vicki" language="de-DE">Ein Sicherheitsverantwortlicher ist jetzt in der Leitung',
    );
    expect(joined).toContain('language="de-DE"'); // the Gather: the caller's next words are recognised as German
    await controlCall(
      { action: 'say', callId: CALL_ID, text: 'Bleiben Sie ruhig, Hilfe kommt.' },
      admin,
      deps,
    );
    expect(voice.sent.at(-1)!.twiml).toMatch(
      /<Gather[^>]*language="de-DE"[\s\S]*<Say voice="Polly.Vicki" language="de-DE">Bleiben Sie ruhig/,
    );
    await controlCall({ action: 'bridge', callId: CALL_ID, to: '+15557654321' }, admin, deps);
    expect(voice.sent.at(-1)!.twiml).toContain(
      '<Say voice="Polly.Vicki" language="de-DE">Ich verbinde Sie jetzt.',
    );
  });

  it('detects the language of a caller the registry does not know, and keeps it for the next turns', async () => {
    const { deps, live, greeting } = await ring();
    expect(greeting).not.toContain('voice=');
    expect(greeting).toContain('language="en-US"');
    const turn = await takeTurn(
      {
        callSid: callSid(1),
        speech: 'mi compañero se cayó del andamio y no se mueve',
        silentTurns: 0,
      },
      deps,
    );
    expect(turn).toContain('<Say voice="Polly.Lucia" language="es-ES">');
    expect(turn).toContain('servicios de emergencia');
    expect(turn).toContain('language="es-ES"');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('es');
    const silent = await takeTurn(
      { callSid: callSid(1), speech: '', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(silent).toContain('No le he oído');
    expect(silent).toContain('language="es-ES"');
  });

  it('leaves an English caller on the site language with TwiML as before (no voice attribute)', async () => {
    const { deps } = await ring();
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: "There's a fire in Zone A", silentTurns: 0 },
      deps,
    );
    expect(twiml).toContain('<Say>Leave the area now');
    expect(twiml).toContain('language="en-US"');
  });

  it('tells the responder which language to answer in', async () => {
    const { deps } = await ring('pt-BR');
    let asked: string | undefined;
    deps.responder = {
      respond: async (input) => {
        asked = input.language;
        return {
          text: 'Saia agora e ligue para os serviços de emergência.',
          urgency: 'CRITICAL',
          sources: [],
        };
      },
    };
    await takeTurn({ callSid: callSid(1), speech: 'fire in the tank farm', silentTurns: 0 }, deps);
    expect(asked).toBe('pt'); // the registry's language wins over what the words look like
  });
});

describe("the caller's language changes only on strong, repeated evidence", () => {
  const say = (deps: Parameters<typeof takeTurn>[1], speech: string) =>
    takeTurn({ callSid: callSid(1), speech, silentTurns: 0, callHint: CALL_ID }, deps);
  const transcript = async (live: { get(path: string): Promise<unknown> }) =>
    Object.values(
      ((await live.get(`active_conversations/${CONV_ID}/messages`)) ?? {}) as Record<
        string,
        LiveMessage
      >,
    );

  it('keeps an English caller the registry has no language for in English for the whole call', async () => {
    const { deps, live } = await ring();
    for (const speech of SHORT_ENGLISH) {
      const twiml = await say(deps, speech);
      expect(twiml).not.toContain('voice='); // the site's own voice: no German, French or Spanish one
      expect(twiml).toContain('language="en-US"'); // and the next words go to the English recogniser
      expect(twiml).not.toContain('112'); // Germany's and Spain's emergency number
    }
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('en');
    expect(await live.get(`active_calls/${CALL_ID}/language_evidence`)).toBeNull();
    expect((await transcript(live)).filter((m) => m.role === 'system')).toEqual([]);
  });

  it('switches a worker registered as English on the second strong Spanish utterance in a row, and tells the supervisor', async () => {
    const { deps, live } = await ring('en-US');
    const first = await say(deps, SPANISH[0]);
    expect(first).not.toContain('voice=');
    expect(first).toContain('language="en-US"');
    expect(await live.get(`active_calls/${CALL_ID}/language_evidence`)).toEqual({
      language: 'es',
      count: 1,
    });
    expect((await transcript(live)).filter((m) => m.role === 'system')).toEqual([]);

    const second = await say(deps, SPANISH[1]);
    expect(second).toContain('<Say voice="Polly.Lucia" language="es-ES">');
    expect(second).toContain('language="es-ES"');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('es');
    expect(await live.get(`active_calls/${CALL_ID}/language_evidence`)).toBeNull();
    const messages = await transcript(live);
    const note = messages.findIndex((m) => m.role === 'system');
    expect(messages[note]).toMatchObject({
      content: 'The caller is speaking Spanish: Aurora now listens and answers in Spanish.',
    });
    expect(messages[note + 1]).toMatchObject({ role: 'assistant' }); // the note comes before the first Spanish reply
    expect(messages.filter((m) => m.role === 'system')).toHaveLength(1);
  });

  it('forgets the evidence when an utterance in between is not evidence for it', async () => {
    const { deps, live } = await ring('en-US');
    await say(deps, SPANISH[0]);
    await say(deps, 'Call an ambulance!');
    expect(await live.get(`active_calls/${CALL_ID}/language_evidence`)).toBeNull();
    const twiml = await say(deps, SPANISH[1]);
    expect(twiml).toContain('language="en-US"');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('en');
  });

  it('keeps a worker registered as German in German when they say "Call an ambulance!"', async () => {
    const { deps, live } = await ring('de-DE');
    const twiml = await say(deps, 'Call an ambulance!');
    expect(twiml).toContain('<Say voice="Polly.Vicki" language="de-DE">');
    expect(twiml).toContain('language="de-DE"');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('de');
  });

  it("notes the switch on a registry-less caller's first utterance, and asks two in a row after it", async () => {
    const switched = await ring();
    await say(switched.deps, SPANISH[0]);
    expect(
      (await transcript(switched.live)).filter((m) => m.role === 'system').map((m) => m.content),
    ).toEqual(['The caller is speaking Spanish: Aurora now listens and answers in Spanish.']);

    // Once the caller has spoken, the greeting's language is no longer a guess.
    const { deps, live } = await ring();
    await say(deps, "There's a fire in Zone A");
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('en');
    expect(await say(deps, SPANISH[0])).toContain('language="en-US"');
    expect(await say(deps, SPANISH[1])).toContain('language="es-ES"');
  });

  it("answers at the webhook's deadline in the site's language unless the words are strong evidence", () => {
    const { deps } = memoryDeps();
    const fallback = (speech: string) =>
      turnWebhook.answerWithin!.fallback(
        { CallSid: callSid(1), SpeechResult: speech },
        deps,
        new URLSearchParams(`call=${CALL_ID}`),
        { answer: new FirstAnswer() },
      );
    for (const speech of SHORT_ENGLISH) {
      const twiml = fallback(speech);
      expect(twiml).not.toContain('voice=');
      expect(twiml).toContain('language="en-US"');
    }
    expect(fallback(SPANISH[0])).toContain('language="es-ES"');
  });
});
