import { languageOf } from '@aurora/model';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';
import {
  type CallLanguage,
  detectLanguage,
  EVIDENCE_MIN_LETTERS,
  languageChange,
  languageEvidence,
  languageSwitchNote,
  nextLanguage,
  replyLanguage,
} from '../../../functions/src/assistant/language';
import { buildPrompt } from '../../../functions/src/assistant/prompt';
import {
  SAFETY_LINES,
  hasSafetyAdvice,
  withSafetyAdvice,
} from '../../../functions/src/assistant/safety';
import { VOICES } from '../../../functions/src/core/twiml';
import { loadCorpus } from '../../../scripts/lib/evaluation.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

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

  it("answers in the registered language, else the words', else the call's so far", () => {
    expect(replyLanguage('de', 'there is a fire in the workshop')).toBe('de');
    expect(replyLanguage(undefined, 'hay fuego en la nave dos del almacén')).toBe('es');
    expect(replyLanguage(undefined, 'ok', 'fr')).toBe('fr');
    expect(replyLanguage(undefined, 'ok')).toBe('en');
  });

  it('has a Twilio voice and recogniser locale for each language', () => {
    expect(VOICES.de).toEqual({
      gather: 'de-DE',
      say: { voice: 'Polly.Vicki', language: 'de-DE' },
    });
    expect(Object.keys(VOICES).sort()).toEqual(['de', 'en', 'es', 'fr', 'pt']);
  });

  it("puts the safety line in the caller's language, and recognises it in any", () => {
    expect(withSafetyAdvice('Drücken Sie auf die Wunde.', 'CRITICAL', 'de')).toBe(
      `${SAFETY_LINES.de} Drücken Sie auf die Wunde.`,
    );
    for (const line of Object.values(SAFETY_LINES)) expect(hasSafetyAdvice(line)).toBe(true);
    expect(hasSafetyAdvice('Press on the wound.')).toBe(false);
  });

  it('tells the model the language and grounds it in guidance written in it', () => {
    const fire = DEMO_PROCEDURES.filter((p) => p.id === 'fire');
    const [system] = buildPrompt(
      {
        utterance: 'es brennt',
        caller: { workerId: 'w' },
        history: [],
        procedures: DEMO_PROCEDURES,
      },
      fire,
      'de',
    );
    expect(system.content).toContain('The caller speaks German: write the reply in German');
    expect(system.content).toContain('Verlassen Sie den Bereich sofort');
  });
});

/** English a caller might shout that the detector alone reads as another language (the four, and names). */
const SHORT_ENGLISH = [
  'Call an ambulance!',
  'Maria fainted!',
  'Chemical spill in bay two.',
  'Conveyor belt!',
];
const ENGLISH_WITH_NAMES = [
  'Francois is bleeding a lot',
  'Sanchez is bleeding from the arm',
  'Fiesta van overturned on the ramp',
];
const CLEAR = {
  es: 'mi compañero se cayó del andamio y no se mueve',
  de: 'es riecht stark nach Gas im Heizraum neben der Werkstatt',
  fr: 'un ouvrier a perdu connaissance au fond de la cuve',
  pt: 'meu colega desmaiou e não está respirando direito',
  en: 'my colleague collapsed by the press and he is not breathing',
} as const;

describe('strong evidence of another language', () => {
  it.each(SHORT_ENGLISH)(
    '%j is no evidence against English, and is answered in English',
    (text) => {
      expect(languageEvidence(text, 'en')).toBeNull();
      expect(replyLanguage(undefined, text)).toBe('en');
      expect(replyLanguage(undefined, text, 'en')).toBe('en');
    },
  );

  it('needs 4 words and 20 letters, whatever the detector makes of fewer', () => {
    expect('Chemical spill in bay'.replace(/\W/g, '').length).toBeLessThan(EVIDENCE_MIN_LETTERS);
    expect(languageEvidence('Chemical spill in bay', 'en')).toBeNull(); // German to the detector
    expect(languageEvidence('hay fuego en la nave', 'en')).toBeNull();
  });

  it.each(ENGLISH_WITH_NAMES)('does not rest on one word: %j', (text) => {
    // tinyld gives each of these wholly to another language (accuracy 1), on a name's n-gram.
    expect(languageEvidence(text, 'en')).toBeNull();
  });

  it.each(Object.entries(CLEAR))(
    'finds a clear %s sentence strong evidence against any other language, and none against its own',
    (language, text) => {
      for (const current of ['en', 'es', 'de', 'fr', 'pt'] as const) {
        expect(languageEvidence(text, current)).toBe(current === language ? null : language);
      }
    },
  );

  it("keeps a registered German worker's short English in German", () => {
    expect(languageEvidence('Call an ambulance!', 'de')).toBeNull();
  });

  it('on the eval corpus: no English line is evidence against English, and no line for a wrong language', () => {
    const cases = loadCorpus(join(ROOT, 'eval', 'corpus'));
    const others = cases.filter((c) => c.lang !== 'en');
    expect(
      cases
        .filter((c) => c.lang === 'en' && languageEvidence(c.text, 'en') !== null)
        .map((c) => c.text),
    ).toEqual([]);
    const wrong = cases
      .flatMap((c) =>
        (['en', 'es', 'de', 'fr', 'pt'] as const).map((current) => ({
          c,
          found: languageEvidence(c.text, current),
        })),
      )
      .filter(({ c, found }) => found !== null && found !== c.lang);
    expect(wrong.map(({ c, found }) => `${c.text} → ${found}`)).toEqual([]);
    // A caller's first words in their own language still switch on their own, nearly always.
    expect(
      others.filter((c) => languageEvidence(c.text, 'en') === c.lang).length / others.length,
    ).toBeGreaterThan(0.95);
    // Every corpus line in five languages: about 6 s on a loaded 2-core machine at 1,266 lines.
  }, 30_000);
});

describe("the call's language, utterance by utterance", () => {
  const known: CallLanguage = { language: 'en', open: false };

  it("lets a registry-less caller's first utterance switch on its own strong evidence", () => {
    expect(nextLanguage({ language: 'en', open: true }, 'es')).toEqual({
      language: 'es',
      evidence: null,
      switched: true,
    });
    expect(nextLanguage({ language: 'en', open: true }, null)).toEqual({
      language: 'en',
      evidence: null,
      switched: false,
    });
  });

  it('switches a known call only on two consecutive utterances of evidence for the same language', () => {
    const first = nextLanguage(known, 'es');
    expect(first).toEqual({
      language: 'en',
      evidence: { language: 'es', count: 1 },
      switched: false,
    });
    expect(nextLanguage({ ...known, evidence: first.evidence }, 'es')).toEqual({
      language: 'es',
      evidence: null,
      switched: true,
    });
  });

  it('forgets pending evidence on an utterance that is not evidence for it', () => {
    const pending: CallLanguage = { ...known, evidence: { language: 'es', count: 1 } };
    expect(nextLanguage(pending, null)).toEqual({
      language: 'en',
      evidence: null,
      switched: false,
    });
    expect(nextLanguage(pending, 'pt')).toEqual({
      language: 'en',
      evidence: { language: 'pt', count: 1 },
      switched: false,
    });
    expect(nextLanguage(pending, 'en')).toEqual({
      language: 'en',
      evidence: null,
      switched: false,
    });
  });

  it("records what a turn did: the first utterance fixes the call's language, evidence waits, a switch is noted", () => {
    expect(languageChange({}, 'en', 'Call an ambulance!')).toEqual({
      language: 'en',
      evidence: null,
    });
    expect(languageChange({}, 'en', CLEAR.es)).toEqual({
      language: 'es',
      evidence: null,
      switchedTo: 'es',
    });
    expect(languageChange({ language: 'en' }, 'en', CLEAR.es)).toEqual({
      evidence: { language: 'es', count: 1 },
    });
    expect(
      languageChange(
        { language: 'en', language_evidence: { language: 'es', count: 1 } },
        'en',
        CLEAR.es,
      ),
    ).toEqual({ language: 'es', evidence: null, switchedTo: 'es' });
    expect(languageChange({ language: 'de' }, 'de', 'Call an ambulance!')).toEqual({
      evidence: null,
    });
    expect(languageSwitchNote('es')).toBe(
      'The caller is speaking Spanish: Aurora now listens and answers in Spanish.',
    );
  });
});
