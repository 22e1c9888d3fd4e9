import { describe, expect, it } from 'vitest';
import {
  BRIEF_MAX_WORDS,
  briefOf,
  readyLine,
  spokenPerson,
} from '../../../functions/src/core/brief';
import { conferenceName } from '../../../functions/src/core/conference';
import type { LiveMessage } from '@aurora/model';
import { aLiveCall, callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const say = (role: LiveMessage['role'], content: string) => ({ role, content });

/** A fire in the paint store: the caller's words, Aurora's guidance, the supervisor's notes. */
const FIRE = [
  say(
    'assistant',
    'Hello Priya Nair, this is Aurora, the safety line. Tell me what is happening and where you are.',
  ),
  say('user', "There's smoke coming out of the paint store, I think something is on fire in there"),
  say(
    'assistant',
    'Leave the area now by the nearest exit and pull the fire alarm on your way. Is anyone still inside?',
  ),
  say('system', 'ana@site.example took over the call.'),
  say(
    'user',
    'Ravi was mixing in the back room and I cannot see him, the door is too hot to touch',
  ),
  say('admin', 'Stay outside. The fire team is on its way.'),
];

describe('briefOf', () => {
  it('tells the on-call person who, where, what happened first and latest, how urgent, what Aurora said, and who is on the line', () => {
    const brief = briefOf({
      call: aLiveCall({ urgency: 'CRITICAL', mode: 'human', admin_id: 'ana@site.example' }),
      caller: { name: 'Priya Nair', site: 'Plant 2', zone: 'B' },
      messages: FIRE,
    });
    // Each quote cut at a clause boundary, never on a word that leaves it hanging ("pull the").
    expect(brief).toBe(
      'Aurora safety line: a critical call from Priya Nair at Plant 2, zone B. ' +
        "They said: There's smoke coming out of the paint store. " +
        'Latest: Ravi was mixing in the back room and I cannot see him. ' +
        'Aurora told them: Leave the area now by the nearest exit and pull the fire alarm. ' +
        'Supervisor ana has the call now.',
    );
    expect(words(brief)).toBeLessThanOrEqual(BRIEF_MAX_WORDS);
  });

  it('says an urgency still resting on unsure words is unconfirmed', () => {
    const brief = briefOf({
      call: aLiveCall({ urgency: 'CRITICAL', urgency_provisional: true }),
      caller: { name: 'Priya Nair' },
      messages: [say('user', 'my colleague just collapsed next to the press')],
    });
    expect(brief).toBe(
      'Aurora safety line: an unconfirmed critical call from Priya Nair. ' +
        'They said: my colleague just collapsed next to the press. ' +
        'The caller is with Aurora now.',
    );
  });

  it('names an unknown caller by their number, digit by digit, and says when they have not spoken', () => {
    const brief = briefOf({
      call: aLiveCall({ worker_id: 'unknown', mobile_no: '+15550100009', urgency: 'NORMAL' }),
      caller: null,
      messages: [
        say(
          'assistant',
          'This is Aurora, the safety line. Tell me what is happening and where you are.',
        ),
      ],
    });
    expect(brief).toBe(
      'Aurora safety line: a normal call from the number 1 5 5 5 0 1 0 0 0 0 9. ' +
        'They have not said anything yet. ' +
        'Aurora told them: This is Aurora, the safety line. Tell me what is happening and where you. ' +
        'The caller is with Aurora now.',
    );
  });

  it('says who is talking with the caller in the conference', () => {
    const brief = briefOf({
      call: aLiveCall({
        urgency: 'URGENT',
        mode: 'human',
        admin_id: 'ana.silva@site.example',
        conference: {
          name: conferenceName(CALL_ID),
          caller_in: true,
          members: {
            [callSid(0xb1)]: {
              role: 'supervisor',
              who: 'ana.silva@site.example',
              via: 'browser',
              state: 'joined',
              muted: false,
              at: '2025-10-04T14:31:00+05:30',
            },
          },
        },
      }),
      caller: { name: 'Priya Nair', site: 'Plant 2', zone: 'Zone B' },
      messages: [say('user', 'chemical spill in zone B, my eyes are burning')],
    });
    expect(brief).toMatch(
      /^Aurora safety line: an urgent call from Priya Nair at Plant 2, Zone B\./,
    );
    expect(brief).toMatch(/The caller is talking with supervisor ana silva\.$/);
  });

  it('keeps within the word budget however long the words and the names are, and stays speakable', () => {
    const long = 'the whole north wall of the warehouse has come down on the loading bay '.repeat(
      20,
    );
    const brief = briefOf({
      call: aLiveCall({ urgency: 'CRITICAL' }),
      caller: {
        name: 'Maria de los Angeles Fernandez Garcia Lopez',
        site: 'North Logistics Campus Building Seven',
        zone: 'Loading Bay Three East',
      },
      messages: [say('user', `${long}\u0007`), say('assistant', long), say('user', long)],
    });
    expect(words(brief)).toBeLessThanOrEqual(BRIEF_MAX_WORDS);
    expect(brief).toMatch(/^Aurora safety line: a critical call from Maria de los Angeles/);
    expect(brief).not.toMatch(/[\u0000-\u0008]/);
  });
});

describe('the phone lines', () => {
  it("tells a supervisor's own phone whose call is ready", () => {
    expect(readyLine(aLiveCall(), { name: 'Priya Nair', site: 'Plant 2' })).toBe(
      'Aurora: your call with Priya Nair at Plant 2 is ready.',
    );
    expect(readyLine(aLiveCall(), null)).toBe('Aurora: your call with worker 001 is ready.');
  });

  it('says a supervisor by the name in their email and a number digit by digit', () => {
    expect(spokenPerson('ana.silva@site.example')).toBe('ana silva');
    expect(spokenPerson('+15550190001')).toBe('the number 1 5 5 5 0 1 9 0 0 0 1');
    expect(spokenPerson('uid_123')).toBe('uid 123');
  });
});
