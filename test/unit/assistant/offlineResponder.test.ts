import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';
import {
  keywordUrgency,
  offlineReply,
  offlineResponder,
} from '../../../functions/src/assistant/offlineResponder';
import { selectProcedures, speechHints } from '../../../functions/src/assistant/procedures';
import { SAFETY_LINE, withSafetyAdvice } from '../../../functions/src/assistant/safety';
import { raiseUrgency } from '../../../functions/src/core/urgency';

const reply = (utterance: string) => offlineReply(utterance, DEMO_PROCEDURES);

describe('offline triage and procedure selection over realistic speech', () => {
  it.each([
    // clear speech
    ["There's a fire in Zone A!", 'CRITICAL', 'fire'],
    ['I can see smoke coming out of the control room', 'CRITICAL', 'fire'],
    ['I smell gas near the boiler', 'CRITICAL', 'gas'],
    ['there is an ammonia leak in the cold store', 'CRITICAL', 'gas'],
    ['My colleague is bleeding badly from his arm', 'CRITICAL', 'bleeding'],
    ['two people are trapped under the racking', 'CRITICAL', 'trapped'],
    ['he got an electric shock from the panel', 'CRITICAL', 'electrical'],
    ['someone fell off the scaffold', 'CRITICAL', 'fall'],
    ['a guy collapsed inside the silo', 'CRITICAL', 'confined'],
    ['chemical spill in the lab', 'URGENT', 'spill'],
    ['the conveyor is overheating and making sparks', 'URGENT', 'hazard'],
    ['where is the assembly point for zone b', 'NORMAL', 'evacuation'],
    ['who do I call for first aid supplies', 'NORMAL', 'contacts'],
    // noisy and partial recognition
    ['uh there is uh FIRE fire near the uh', 'CRITICAL', 'fire'],
    ['gas... gas leak... can you hear', 'CRITICAL', 'gas'],
    ['hes not breathing', 'CRITICAL', 'collapse'],
    ['spill, chemical, by tank', 'URGENT', 'spill'],
    // other languages
    ['hay un incendio en la bodega', 'CRITICAL', 'fire'],
    ['Hay una fuga de gas', 'CRITICAL', 'gas'],
    ['mi compañero está herido', 'CRITICAL', 'injury'],
    ['yahan aag lagi hai', 'CRITICAL', 'fire'],
    // nothing to go on
    ['What time does the shift end?', 'NORMAL', null],
    ['', 'NORMAL', null],
  ])('%j -> %s, %s', (utterance, urgency, procedure) => {
    const answer = reply(utterance);
    expect(answer.urgency).toBe(urgency);
    const [selected] = selectProcedures(utterance, DEMO_PROCEDURES);
    expect(selected?.id ?? null).toBe(procedure);
    expect(answer.sources[0]).toBe(selected?.title);
  });

  it("puts the danger to a rescuer before the casualty's care, and says both", () => {
    const answer = reply("the sparky touched the bus bar and he's lying there not moving");
    expect(answer.urgency).toBe('CRITICAL');
    expect(answer.sources).toEqual([
      'Electrical Incident and Shock (EP-04)',
      'Collapse, Unresponsive or Not Breathing: CPR (EP-12)',
    ]);
    expect(answer.text.indexOf('Do not touch the person')).toBeLessThan(
      answer.text.indexOf('push hard and fast'),
    );
    // A place and a sign of a person down: a confined space.
    expect(
      selectProcedures('mein kollege liegt im tank und ist bewusstlos', DEMO_PROCEDURES)[0].id,
    ).toBe('confined');
    // No danger, one procedure.
    expect(reply("he collapsed in the canteen and he's not breathing").sources).toEqual([
      'Collapse, Unresponsive or Not Breathing: CPR (EP-12)',
    ]);
  });

  it('matches whole words only', () => {
    expect(reply('the gasket is fine').urgency).toBe('NORMAL');
    expect(reply('refire the kiln tomorrow').urgency).toBe('NORMAL');
  });

  it('ranks the most dangerous matching procedure first', () => {
    expect(
      selectProcedures('gas leak and a small spill', DEMO_PROCEDURES).map((p) => p.id),
    ).toEqual(['gas', 'spill']);
  });

  it('sends every CRITICAL caller to safety and to emergency services, whatever the procedure text says', () => {
    for (const p of DEMO_PROCEDURES.filter((p) => p.urgency === 'CRITICAL'))
      expect(withSafetyAdvice(p.guidance, 'CRITICAL')).toBe(p.guidance);
    const edited = [{ ...DEMO_PROCEDURES[0], guidance: 'Stay calm.' }];
    expect(offlineReply('the store is on fire', edited).text).toBe(`${SAFETY_LINE} Stay calm.`);
  });

  it('gives a floor urgency from the words alone', () => {
    expect(keywordUrgency('fire!', DEMO_PROCEDURES)).toBe('CRITICAL');
    expect(keywordUrgency('  ', DEMO_PROCEDURES)).toBe('NORMAL');
  });

  it('answers as a Responder, in at most three sentences', async () => {
    const answer = await offlineResponder.respond({
      utterance: 'fire!',
      caller: { workerId: 'w' },
      history: [],
      procedures: DEMO_PROCEDURES,
    });
    expect(
      answer.text.split(/[.!?](\s|$)/).filter((s) => s && s.trim().length > 1).length,
    ).toBeLessThanOrEqual(3);
  });

  it("builds speech hints from the procedures' vocabulary", () => {
    const hints = speechHints(DEMO_PROCEDURES);
    expect(hints).toContain('ammonia');
    expect(hints).toContain('tank farm');
    expect(hints).not.toContain('@'); // "@collapse" names other keywords; it is not a word to listen for
    expect(hints.split(', ').length).toBeLessThanOrEqual(500);
  });
});

describe('raiseUrgency', () => {
  it('only ever rises', () => {
    expect(raiseUrgency('NORMAL', 'CRITICAL')).toBe('CRITICAL');
    expect(raiseUrgency('CRITICAL', 'NORMAL')).toBe('CRITICAL');
    expect(raiseUrgency('URGENT', 'NORMAL')).toBe('URGENT');
  });
});
