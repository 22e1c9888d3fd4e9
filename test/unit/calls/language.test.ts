import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';

/** A call from +15550100001, whose registry entry says `language` (or nothing). */
async function ring(language?: string) {
  const ctx = memoryDeps({ workers: { findByPhone: async () => ({ workerId: 'worker_005', name: 'Lena Fischer', ...(language ? { language } : {}) }) } });
  const greeting = await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
  ctx.clock.advance(5000);
  return { ...ctx, greeting };
}

describe("the caller's language, end to end", () => {
  it('greets, hears and answers a worker registered as German in German', async () => {
    const { deps, live, greeting } = await ring('de-DE');
    expect(greeting).toContain('language="de-DE"');
    expect(greeting).toContain('<Say voice="Polly.Vicki" language="de-DE">Hallo Lena Fischer, hier ist Aurora');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('de');
    const twiml = await takeTurn({ callSid: callSid(1), speech: 'es brennt in der Werkstatt', silentTurns: 0 }, deps);
    expect(twiml).toContain('<Say voice="Polly.Vicki" language="de-DE">');
    expect(twiml).toContain('Notruf');
    expect(twiml).toContain('language="de-DE"');
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
  });

  it("speaks a supervisor's lines in the caller's language, and listens in it afterwards", async () => {
    const { deps, voice } = await ring('de-DE');
    const admin = { id: 'ana@site.example' };
    expect(await controlCall({ action: 'take', callId: CALL_ID }, admin, deps)).toMatchObject({ ok: true });
    const joined = voice.sent.at(-1)!.twiml!;
    expect(joined).toContain('<Say voice="Polly.Vicki" language="de-DE">Ein Sicherheitsverantwortlicher ist jetzt in der Leitung');
    expect(joined).toContain('language="de-DE"'); // the Gather: the caller's next words are recognised as German
    await controlCall({ action: 'say', callId: CALL_ID, text: 'Bleiben Sie ruhig, Hilfe kommt.' }, admin, deps);
    expect(voice.sent.at(-1)!.twiml).toMatch(/<Gather[^>]*language="de-DE"[\s\S]*<Say voice="Polly.Vicki" language="de-DE">Bleiben Sie ruhig/);
    await controlCall({ action: 'bridge', callId: CALL_ID, to: '+15557654321' }, admin, deps);
    expect(voice.sent.at(-1)!.twiml).toContain('<Say voice="Polly.Vicki" language="de-DE">Ich verbinde Sie jetzt.');
  });

  it('detects the language of a caller the registry does not know, and keeps it for the next turns', async () => {
    const { deps, live, greeting } = await ring();
    expect(greeting).not.toContain('voice=');
    expect(greeting).toContain('language="en-US"');
    const turn = await takeTurn({ callSid: callSid(1), speech: 'mi compañero se cayó del andamio y no se mueve', silentTurns: 0 }, deps);
    expect(turn).toContain('<Say voice="Polly.Lucia" language="es-ES">');
    expect(turn).toContain('servicios de emergencia');
    expect(turn).toContain('language="es-ES"');
    expect(await live.get(`active_calls/${CALL_ID}/language`)).toBe('es');
    const silent = await takeTurn({ callSid: callSid(1), speech: '', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(silent).toContain('No le he oído');
    expect(silent).toContain('language="es-ES"');
  });

  it('leaves an English caller on the site language with TwiML as before (no voice attribute)', async () => {
    const { deps } = await ring();
    const twiml = await takeTurn({ callSid: callSid(1), speech: "There's a fire in Zone A", silentTurns: 0 }, deps);
    expect(twiml).toContain('<Say>Leave the area now');
    expect(twiml).toContain('language="en-US"');
  });

  it('tells the responder which language to answer in', async () => {
    const { deps } = await ring('pt-BR');
    let asked: string | undefined;
    deps.responder = {
      respond: async (input) => {
        asked = input.language;
        return { text: 'Saia agora e ligue para os serviços de emergência.', urgency: 'CRITICAL', sources: [] };
      },
    };
    await takeTurn({ callSid: callSid(1), speech: 'fire in the tank farm', silentTurns: 0 }, deps);
    expect(asked).toBe('pt'); // the registry's language wins over what the words look like
  });
});
