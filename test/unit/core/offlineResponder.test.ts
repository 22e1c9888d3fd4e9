import { describe, expect, it } from 'vitest';
import { offlineReply, offlineResponder } from '../../../functions/src/core/offlineResponder';
import { raiseUrgency } from '../../../functions/src/core/urgency';

describe('offlineReply urgency', () => {
  it.each([
    ["There's a fire in Zone A!", 'CRITICAL', 'Fire'],
    ['I can see smoke coming out of the control room', 'CRITICAL', 'Fire'],
    ['I smell gas near the boiler', 'CRITICAL', 'Gas leak'],
    ['there is an ammonia leak', 'CRITICAL', 'Gas leak'],
    ['My colleague is bleeding badly', 'CRITICAL', 'First aid'],
    ['someone fell from the scaffold and is unconscious', 'CRITICAL', 'First aid'],
    ['two people are trapped under the racking', 'CRITICAL', 'Rescue'],
    ['he got an electric shock from the panel', 'CRITICAL', 'Electrical'],
    ['chemical spill in the lab', 'URGENT', 'Chemical spill'],
    ['the machine is overheating and making sparks', 'URGENT', 'Hazard reporting'],
    ['What time does the shift end?', 'NORMAL', null],
    ['', 'NORMAL', null],
  ])('%s -> %s', (utterance, urgency, procedure) => {
    const reply = offlineReply(utterance);
    expect(reply.urgency).toBe(urgency);
    expect(reply.sources).toEqual(procedure ? [`Emergency Procedures Manual: ${procedure}`] : []);
  });

  it('does not match words inside other words', () => {
    expect(offlineReply('the gasket is fine').urgency).toBe('NORMAL');
    expect(offlineReply('refire the kiln tomorrow').urgency).toBe('NORMAL');
  });

  it('tells every CRITICAL caller to reach safety or call emergency services', () => {
    for (const u of ['fire', 'gas', 'trapped', 'electric shock', 'bleeding']) {
      expect(offlineReply(u).text).toMatch(/emergency services/);
    }
  });

  it('answers as a Responder, in at most three sentences', async () => {
    const reply = await offlineResponder.respond({ utterance: 'fire!', caller: { workerId: 'w' } });
    expect(reply.text.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 1).length).toBeLessThanOrEqual(3);
  });
});

describe('raiseUrgency', () => {
  it('only ever rises', () => {
    expect(raiseUrgency('NORMAL', 'CRITICAL')).toBe('CRITICAL');
    expect(raiseUrgency('CRITICAL', 'NORMAL')).toBe('CRITICAL');
    expect(raiseUrgency('URGENT', 'NORMAL')).toBe('URGENT');
    expect(raiseUrgency('URGENT', 'CRITICAL')).toBe('CRITICAL');
  });
});
