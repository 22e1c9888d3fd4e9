/**
 * The key questions (functions/src/assistant/keyQuestions.json): every procedure carries a
 * dispatcher's questions for its situation, in the five languages, and what the reassuring answer
 * lets urgency fall to.
 *
 * Sources the questions and their readings follow:
 * - MPDS (Medical Priority Dispatch System, International Academies of Emergency Dispatch) Case
 *   Entry: "Is he/she awake (conscious)?", "Is he/she breathing?"; chief-complaint protocols ask
 *   whether the person is alert and breathing normally, whether there is serious bleeding, whether
 *   a seizure is continuing; fire protocols ask whether anyone is trapped and whether it is still
 *   burning. https://www.emergencydispatch.org/what-we-do/emergency-priority-dispatch-system/medical-protocol
 * - European Resuscitation Council Guidelines 2021, Basic Life Support: an unresponsive person who
 *   is not breathing normally (gasping is not normal) is in cardiac arrest; dispatchers ask about
 *   responsiveness and breathing. https://cprguidelines.eu/
 * - ERC 2021 First Aid / choking: an effective cough (the person can cough, speak, breathe) is a
 *   mild obstruction, watched; an ineffective one is severe. https://cprguidelines.eu/
 * - NIOSH, heat-related illness: confusion or altered mental state marks heat stroke, a medical
 *   emergency, apart from heat exhaustion. https://www.cdc.gov/niosh/heat-stress/
 * - Blomberg et al., Resuscitation 2019: dispatchers recognise 72.5% of cardiac arrests on the
 *   call, so a question whose reassuring answer cannot rule one out (collapse, not breathing)
 *   keeps urgency CRITICAL.
 */
import { describe, expect, it } from 'vitest';
import { KeyQuestion, LANGUAGES, Urgency } from '@aurora/model';
import { rank } from '../../../functions/src/core/urgency';
import demo from '../../../functions/src/assistant/demoProcedures.json';
import questions from '../../../functions/src/assistant/keyQuestions.json';

const byProcedure = questions as Record<string, unknown[]>;
const parsed = (id: string): KeyQuestion[] => KeyQuestion.array().parse(byProcedure[id]);
const urgencyOf = (id: string): Urgency => Urgency.parse(demo.find((p) => p.id === id)?.urgency);
const OTHER_LANGUAGES = LANGUAGES.filter((l) => l !== 'en');

describe('the key questions', () => {
  it('cover every procedure, and only those', () => {
    expect(Object.keys(byProcedure).sort()).toEqual(demo.map((p) => p.id).sort());
    expect(demo).toHaveLength(30);
  });

  it.each(demo.map((p) => p.id))('%s: one to three questions that parse, each id once', (id) => {
    const list = parsed(id);
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(list.length).toBeLessThanOrEqual(3);
    expect(new Set(list.map((q) => q.id)).size).toBe(list.length);
  });

  it.each(demo.map((p) => p.id))(
    '%s: each question is one short sentence in all five languages, ending with "?"',
    (id) => {
      for (const question of parsed(id)) {
        expect(Object.keys(question.translations ?? {}).sort()).toEqual(
          [...OTHER_LANGUAGES].sort(),
        );
        for (const text of [
          question.ask,
          ...OTHER_LANGUAGES.map((l) => question.translations![l]),
        ]) {
          expect(text.trim()).toBe(text);
          expect(text.endsWith('?')).toBe(true);
          expect(text.length).toBeLessThanOrEqual(80);
          expect(text.slice(0, -1)).not.toMatch(/[.?!]/);
        }
      }
    },
  );

  it.each(demo.map((p) => p.id))('%s: a reassuring answer never raises urgency', (id) => {
    for (const question of parsed(id))
      expect(rank[question.if_reassured]).toBeLessThanOrEqual(rank[urgencyOf(id)]);
  });

  it('read the reassuring answers as a dispatcher would', () => {
    const fallsTo = (procedure: string, question: string) =>
      parsed(procedure).find((q) => q.id === question)?.if_reassured;
    // A collapse where the person is awake and breathing normally is no longer a cardiac arrest.
    expect(fallsTo('collapse', 'awake')).toBe('URGENT');
    // Breathing normally but not awake is still a medical emergency.
    expect(fallsTo('collapse', 'breathing')).toBe('CRITICAL');
    // A fire no longer burning, a drill.
    expect(fallsTo('fire', 'ongoing')).toBe('URGENT');
    expect(fallsTo('fire', 'real')).toBe('NORMAL');
    expect(fallsTo('gas', 'real')).toBe('NORMAL');
    // Nobody trapped in a fire that may still burn: still a fire.
    expect(fallsTo('fire', 'trapped')).toBe('CRITICAL');
    // Awake and making sense tells heat exhaustion from heat stroke.
    expect(fallsTo('heat-stroke', 'awake')).toBe('URGENT');
    // Urgency that never falls for the answer: chest pain, stroke, anaphylaxis breathing normally.
    for (const id of ['heart-attack', 'stroke', 'anaphylaxis', 'overdose'])
      for (const q of parsed(id)) expect(q.if_reassured).toBe('CRITICAL');
    // Someone who fell and is awake and talking is looked at, not an emergency; not breathing
    // normally still is.
    expect(fallsTo('fall', 'awake')).toBe('URGENT');
    expect(fallsTo('fall', 'breathing')).toBe('CRITICAL');
  });

  it('ask first the question whose answer settles urgency', () => {
    expect(parsed('collapse')[0].id).toBe('awake');
    expect(parsed('fire')[0].id).toBe('ongoing');
    expect(parsed('seizure')[0].id).toBe('ongoing');
    expect(parsed('confined')[0].id).toBe('trapped');
  });

  it('are rejected by the schema when malformed', () => {
    const good = parsed('collapse')[0];
    expect(KeyQuestion.safeParse({ ...good, id: 'pulse' }).success).toBe(false);
    expect(KeyQuestion.safeParse({ ...good, reassuring: 'maybe' }).success).toBe(false);
    expect(KeyQuestion.safeParse({ ...good, if_reassured: 'LOW' }).success).toBe(false);
  });
});
