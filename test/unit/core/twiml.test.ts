import { describe, expect, it } from 'vitest';
import { emptyResponse, listenOnly, speakAndHangUp, speakAndListen, turnUrl } from '../../../functions/src/core/twiml';

const base = 'https://aurora.example.com';

describe('TwiML', () => {
  it('speaks and gathers speech, posting to the turn URL', () => {
    expect(speakAndListen('Leave the area & call 911.', turnUrl(base))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="speech" action="https://aurora.example.com/twilio/turn" method="POST" actionOnEmptyResult="true" speechTimeout="auto" bargeIn="true">' +
        '<Say>Leave the area &amp; call 911.</Say></Gather></Response>',
    );
  });

  it('names the call and counts silent turns in the action URL', () => {
    expect(turnUrl(base, { call: 'call_1_20251004_143000', silent: 2 })).toBe(
      'https://aurora.example.com/twilio/turn?call=call_1_20251004_143000&silent=2',
    );
    expect(turnUrl(base, { silent: 0 })).toBe('https://aurora.example.com/twilio/turn');
  });

  it('says goodbye and hangs up', () => {
    expect(speakAndHangUp('Goodbye.')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>');
  });

  it('listens without speaking when a human has the call', () => {
    expect(listenOnly(turnUrl(base))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech" action="https://aurora.example.com/twilio/turn" method="POST" actionOnEmptyResult="true" speechTimeout="auto"/></Response>',
    );
  });

  it('answers status callbacks with an empty response', () => {
    expect(emptyResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});
