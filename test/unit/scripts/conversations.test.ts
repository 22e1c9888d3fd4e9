/**
 * The conversation evaluation's pure parts (issue 23 point 4): the case format, the simulated
 * caller's answers, a whole call through the production urgency path with fixed replies, the
 * figures and their thresholds. No responder, no network.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LANGUAGES, QuestionId, type Language } from '@aurora/model';
import { describe, expect, it } from 'vitest';
import {
  afterCallerWords,
  afterReply,
  confirmed,
  type Answer,
} from '../../../functions/src/core/callUrgency';
import type { Reply } from '../../../functions/src/assistant/responder';
import {
  CALLER_ANSWERS,
  DONT_KNOW,
  MAX_CALLER_TURNS,
  callerAnswer,
  callerNext,
  formatConversations,
  loadConversations,
  merged,
  parseConversation,
  runConversation,
  scoreConversations,
  type ConversationCase,
  type ConversationDeps,
  type ConversationOutcome,
  type Turn,
} from '../../../scripts/lib/conversations.ts';
import { breaches, score } from '../../../scripts/lib/evaluation.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

const factsCase = (
  facts: ConversationCase['facts'],
  extra: Partial<ConversationCase> = {},
): ConversationCase =>
  ({
    lang: 'en',
    life_threatening: false,
    urgency: 'URGENT',
    class: 'faint',
    where: 'x:1',
    first: 'she went down on the line',
    facts,
    ...extra,
  }) as ConversationCase;

describe('the conversation cases', () => {
  it('reads both kinds, and keeps the place of each', () => {
    const turns = parseConversation(
      '{"lang":"de","life_threatening":true,"urgency":"CRITICAL","class":"burial","turns":["a","b"]}',
      'f.jsonl:3',
    );
    expect(turns).toMatchObject({ turns: ['a', 'b'], where: 'f.jsonl:3', lang: 'de' });
    const facts = parseConversation(
      '{"lang":"pt","life_threatening":false,"urgency":"NORMAL","class":"drill","first":"fumaça","facts":{"real":false}}',
      'f.jsonl:4',
    );
    expect(facts).toMatchObject({ first: 'fumaça', facts: { real: false } });
  });

  it.each([
    ['no urgency', '{"lang":"en","life_threatening":true,"class":"x","turns":["a"]}'],
    [
      'an unknown language',
      '{"lang":"it","life_threatening":true,"urgency":"CRITICAL","turns":["a"]}',
    ],
    [
      'a fact that is no question id',
      '{"lang":"en","life_threatening":true,"urgency":"CRITICAL","first":"a","facts":{"conscious":false}}',
    ],
    [
      'more caller turns than a call gets',
      `{"lang":"en","life_threatening":true,"urgency":"CRITICAL","turns":${JSON.stringify(Array(MAX_CALLER_TURNS + 1).fill('a'))}}`,
    ],
    ['no words at all', '{"lang":"en","life_threatening":true,"urgency":"CRITICAL","facts":{}}'],
    ['not JSON', '{"lang":'],
  ])('refuses a case with %s, naming its place', (_, line) => {
    expect(() => parseConversation(line, 'bad.jsonl:7')).toThrow(/^bad\.jsonl:7: /);
  });

  it('loads the project corpus: both kinds, every question id both ways in three languages or more', () => {
    const cases = loadConversations(join(ROOT, 'eval', 'conversations'));
    expect(cases.some((c) => c.turns)).toBe(true);
    const hand = cases.filter((c) => c.where.startsWith('basics.jsonl'));
    for (const id of QuestionId.options)
      for (const fact of [true, false]) {
        const langs = new Set(hand.filter((c) => c.facts?.[id] === fact).map((c) => c.lang));
        expect(langs.size, `${id} ${fact}`).toBeGreaterThanOrEqual(3);
      }
  });

  it('reads every .jsonl file of a folder in name order, skipping blank lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-conversations-'));
    const line = (lang: string) =>
      JSON.stringify({ lang, life_threatening: false, urgency: 'NORMAL', turns: ['hi'] });
    writeFileSync(join(dir, 'b.jsonl'), `${line('fr')}\n\n`);
    writeFileSync(join(dir, 'a.jsonl'), line('es'));
    writeFileSync(join(dir, 'notes.txt'), 'not a case');
    expect(loadConversations(dir).map((c) => [c.lang, c.where, c.class])).toEqual([
      ['es', 'a.jsonl:1', 'other'],
      ['fr', 'b.jsonl:1', 'other'],
    ]);
  });
});

describe('the simulated caller', () => {
  it('has a distinct answer for each question, each way, in every language', () => {
    for (const table of Object.values(CALLER_ANSWERS))
      for (const lang of LANGUAGES) {
        expect(table.yes[lang].trim()).not.toBe('');
        expect(table.no[lang].trim()).not.toBe('');
        expect(table.yes[lang]).not.toBe(table.no[lang]);
      }
  });

  it.each([
    ['breathing', false, 'en', "no, he's not breathing"],
    ['awake', true, 'en', "yes, he's awake and talking to me"],
    ['real', false, 'en', "it's just a drill"],
    ['real', false, 'de', 'das ist nur eine Übung'],
    ['real', true, 'fr', "c'est réel, ce n'est pas un exercice"],
    ['trapped', true, 'es', 'sí, está atrapado, no lo podemos sacar'],
    ['hurt', false, 'fr', "non, personne n'est blessé, tout le monde va bien"],
    ['ongoing', false, 'pt', 'não, já acabou, já parou'],
  ] as const)('answers %s = %s in %s: "%s"', (id, fact, lang, said) => {
    expect(callerAnswer({ procedure: 'collapse', id }, { [id]: fact }, lang)).toBe(said);
  });

  it('says a fire is out in its own words, and "I don\'t know" to what it does not know', () => {
    expect(callerAnswer({ procedure: 'fire', id: 'ongoing' }, { ongoing: false }, 'en')).toBe(
      'no, the fire is out',
    );
    expect(callerAnswer({ procedure: 'gas', id: 'ongoing' }, { ongoing: false }, 'en')).toBe(
      "no, it's over now, it has stopped",
    );
    for (const lang of LANGUAGES)
      expect(callerAnswer({ procedure: 'fire', id: 'trapped' }, { real: true }, lang)).toBe(
        DONT_KNOW[lang],
      );
  });

  it('speaks first, answers each question, and hangs up when none is asked or the turns run out', () => {
    const c = factsCase({ awake: true });
    const asks = { question: { procedure: 'collapse', id: 'awake' as const } };
    expect(callerNext(c, 0, null)).toBe('she went down on the line');
    expect(callerNext(c, 1, asks)).toBe(CALLER_ANSWERS.awake.yes.en);
    expect(callerNext(c, 2, {})).toBeNull();
    expect(callerNext(c, MAX_CALLER_TURNS, asks)).toBeNull();
  });

  it('says scripted words as given, whatever the reply asks', () => {
    const c = { ...factsCase({}), first: undefined, facts: undefined, turns: ['one', 'two'] };
    const asks = { question: { procedure: 'collapse', id: 'awake' as const } };
    expect(callerNext(c, 0, null)).toBe('one');
    expect(callerNext(c, 1, asks)).toBe('two');
    expect(callerNext(c, 2, asks)).toBeNull();
  });
});

describe('a conversation through the production urgency path', () => {
  it('merges fields as a transaction does: null removes, undefined leaves alone', () => {
    expect(
      merged(
        { urgency: 'CRITICAL', urgency_provisional: true },
        { urgency_provisional: null, urgency: undefined },
      ),
    ).toEqual({ urgency: 'CRITICAL' });
  });

  // A collapse: provisional CRITICAL on the first words, Aurora asks whether she is awake.
  const reassuring = /awake and talking|drill/;
  const deps = (
    seen: Array<{ utterance: string; history: number; language?: Language }>,
    at: string[],
  ) =>
    ({
      respond: async ({ utterance, history, language }) => {
        seen.push({ utterance, history: history.length, language });
        const first = history.length === 0;
        return {
          text: first ? 'Check on her. Is she awake?' : 'Stay with her.',
          urgency: first ? 'CRITICAL' : 'NORMAL',
          sources: [],
          provisional: first,
          question: first ? { procedure: 'collapse', id: 'awake' } : undefined,
        } satisfies Reply;
      },
      wordsFloor: (utterance) =>
        /went down/.test(utterance)
          ? { urgency: 'CRITICAL', provisional: true }
          : { urgency: 'NORMAL', provisional: false },
      answerFor: (open, utterance): Answer | undefined =>
        open && {
          verdict: reassuring.test(utterance)
            ? 'reassuring'
            : /not|doesn't/.test(utterance)
              ? 'alarming'
              : 'unclear',
          answered: open.id,
          ifReassured: 'URGENT',
          ifAlarming: 'CRITICAL',
          question: 'Is she awake?',
        },
      afterCallerWords,
      afterReply: (call, reply, when) => {
        at.push(when);
        return afterReply(call, reply, when);
      },
      confirmed,
    }) satisfies ConversationDeps;

  it('lets urgency fall on the reassuring answer, and records each turn', async () => {
    const seen: Array<{ utterance: string; history: number; language?: Language }> = [];
    const at: string[] = [];
    const out = await runConversation(factsCase({ awake: true }, { lang: 'en' }), deps(seen, at));
    expect(out.turns.map((t) => [t.urgency, t.provisional, t.question])).toEqual([
      ['CRITICAL', true, 'awake'],
      ['URGENT', false, undefined],
    ]);
    expect(out.final).toBe('URGENT');
    expect(seen).toEqual([
      { utterance: 'she went down on the line', history: 0, language: 'en' },
      { utterance: CALLER_ANSWERS.awake.yes.en, history: 2, language: 'en' },
    ]);
    expect(Date.parse(at[1]) - Date.parse(at[0])).toBe(8_000);
  });

  it('confirms CRITICAL on the alarming answer', async () => {
    const out = await runConversation(factsCase({ awake: false }), deps([], []));
    expect(out.turns.map((t) => t.urgency)).toEqual(['CRITICAL', 'CRITICAL']);
    expect(out.turns[1].provisional).toBe(false);
    expect(out.final).toBe('CRITICAL');
  });

  it('keeps what stands when the caller does not know, and the dropped line confirms it', async () => {
    const out = await runConversation(factsCase({}), deps([], []));
    expect(out.turns[1].said).toBe("I don't know");
    expect(out.final).toBe('CRITICAL');
  });
});

const outcome = (
  urgencies: Turn['urgency'][],
  extra: Partial<ConversationCase> = {},
): ConversationOutcome => ({
  c: factsCase({}, extra),
  turns: urgencies.map((urgency) => ({ said: 's', reply: 'r', urgency, provisional: false })),
  final: urgencies[urgencies.length - 1],
});
const LT = { life_threatening: true, urgency: 'CRITICAL' } as const;

describe('the conversation figures', () => {
  const report = scoreConversations([
    outcome(['CRITICAL', 'CRITICAL'], LT),
    outcome(['URGENT', 'CRITICAL', 'CRITICAL'], LT),
    outcome(['URGENT', 'URGENT'], LT),
    outcome(['CRITICAL', 'URGENT']),
    outcome(['CRITICAL', 'CRITICAL'], { urgency: 'NORMAL' }),
  ]);

  it('counts the life-threatening calls left below CRITICAL and the texts a non-emergency causes', () => {
    expect(report.underCritical.map((o) => o.turns.length)).toEqual([2]);
    expect(report.texts.map((o) => o.c.urgency)).toEqual(['NORMAL']);
    expect(report.exact).toBe(3 / 5);
  });

  it('counts turns until CRITICAL, and the life-threatening calls at CRITICAL after each turn', () => {
    expect(report.turnsToCritical).toEqual({ mean: 1.5, max: 2, never: 1 });
    expect(report.criticalByTurn).toEqual([1, 2, 2]);
  });

  it('gives sensitivity and the share of CRITICAL alarms that were real', () => {
    expect(report.sensitivity).toBe(2 / 3);
    expect(report.ppv).toBe(2 / 3);
    expect(scoreConversations([]).ppv).toBeNull();
  });

  it('prints each miss with its turns, the anchors, and every call when verbose', () => {
    const text = formatConversations(report);
    expect(text).toContain('life-threatening below CRITICAL at the end: 1');
    expect(text).toContain('x:1 [en] faint, want CRITICAL: URGENT → URGENT ⇒ URGENT');
    expect(text).toContain('texts to on-call staff a non-emergency would have caused: 1');
    expect(text).toContain('Blomberg et al., Resuscitation 2019');
    expect(text).not.toContain('caller: "s"');
    expect(formatConversations(report, true)).toContain('caller: "s"');
  });

  it('names the conversation thresholds a run breaks, and none it holds', () => {
    const sentences = score([], []);
    expect(
      breaches(sentences, { maxConversationUnderCritical: 0, maxConversationTexts: 0 }, report),
    ).toEqual([
      '1 life-threatening conversations below CRITICAL at the end > 0',
      '1 texts to on-call staff from non-emergency conversations > 0',
    ]);
    expect(
      breaches(sentences, { maxConversationUnderCritical: 1, maxConversationTexts: 1 }, report),
    ).toEqual([]);
    expect(breaches(sentences, {}, report)).toEqual([]);
  });

  it('takes a conversation threshold with no conversations run as broken', () => {
    expect(breaches(score([], []), { maxConversationTexts: 0 })).toEqual([
      'no conversations were run to count texts to on-call staff from non-emergency conversations',
    ]);
    expect(
      breaches(score([], []), { maxConversationTexts: 0 }, scoreConversations([])),
    ).toHaveLength(1);
  });
});
