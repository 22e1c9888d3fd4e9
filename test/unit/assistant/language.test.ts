import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/adapters/procedures';
import { detectLanguage, languageOf, replyLanguage } from '../../../functions/src/assistant/language';
import { buildPrompt } from '../../../functions/src/assistant/prompt';
import { SAFETY_LINES, hasSafetyAdvice, withSafetyAdvice } from '../../../functions/src/assistant/safety';
import { VOICES } from '../../../functions/src/core/twiml';

describe('languages', () => {
  it('reads registry codes with or without a region, and refuses the unsupported', () => {
    expect(languageOf('de-DE')).toBe('de');
    expect(languageOf('PT_br')).toBe('pt');
    expect(languageOf('it-IT')).toBeNull();
    expect(languageOf(undefined)).toBeNull();
  });

  it.each([
    ['there is smoke coming out of the control room', 'en'],
    ['hay mucho humo en la nave dos', 'es'],
    ['es riecht stark nach Gas im Heizraum', 'de'],
    ['il y a le feu dans l atelier', 'fr'],
    ['tem fogo no galpão perto da doca', 'pt'],
  ])('detects %j as %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it('does not guess from too little', () => {
    expect(detectLanguage('fire!')).toBeNull();
  });

  it('answers in the registered language, else the words\', else the call\'s so far', () => {
    expect(replyLanguage('de', 'there is a fire in the workshop')).toBe('de');
    expect(replyLanguage(undefined, 'hay fuego en la nave dos')).toBe('es');
    expect(replyLanguage(undefined, 'ok', 'fr')).toBe('fr');
    expect(replyLanguage(undefined, 'ok')).toBe('en');
  });

  it('has a Twilio voice and recogniser locale for each language', () => {
    expect(VOICES.de).toEqual({ gather: 'de-DE', say: { voice: 'Polly.Vicki', language: 'de-DE' } });
    expect(Object.keys(VOICES).sort()).toEqual(['de', 'en', 'es', 'fr', 'pt']);
  });

  it("puts the safety line in the caller's language, and recognises it in any", () => {
    expect(withSafetyAdvice('Drücken Sie auf die Wunde.', 'CRITICAL', 'de')).toBe(`${SAFETY_LINES.de} Drücken Sie auf die Wunde.`);
    for (const line of Object.values(SAFETY_LINES)) expect(hasSafetyAdvice(line)).toBe(true);
    expect(hasSafetyAdvice('Press on the wound.')).toBe(false);
  });

  it('tells the model the language and grounds it in guidance written in it', () => {
    const fire = DEMO_PROCEDURES.filter((p) => p.id === 'fire');
    const [system] = buildPrompt({ utterance: 'es brennt', caller: { workerId: 'w' }, history: [], procedures: DEMO_PROCEDURES }, fire, 'de');
    expect(system.content).toContain('The caller speaks German: write the reply in German');
    expect(system.content).toContain('Verlassen Sie den Bereich sofort');
  });
});
