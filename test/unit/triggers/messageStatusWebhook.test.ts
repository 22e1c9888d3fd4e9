/** POST /twilio/message-status as Twilio meets it: signed, validated, and harmless when it names nothing we have. */
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { messageStatusWebhook } from '../../../functions/src/triggers/webhooks';
import { twilioWebhook } from '../../../functions/src/triggers/twilioWebhook';
import { escalatedCall } from '../../helpers/escalatedCall';

const TOKEN = 'test-token';
const BASE = 'https://aurora.example.com';
const CALL_ID = 'call_15550100001_20251004_143000';

async function escalatedWorld() {
  const world = await escalatedCall();
  const handle = twilioWebhook(
    messageStatusWebhook,
    () => TOKEN,
    () => world.deps,
  ) as (req: unknown, res: unknown) => Promise<void>;
  /** Posts `params` to the text's own StatusCallback URL (or `url`), signed with `token` for `signedFor`. */
  const post = async (
    params: Record<string, string>,
    url = world.sms.sent[0].statusCallback!,
    token = TOKEN,
    signedFor = url,
  ) => {
    const res = {
      code: 0,
      status(c: number) {
        this.code = c;
        return this;
      },
      set() {
        return this;
      },
      type() {
        return this;
      },
      send() {
        return this;
      },
    };
    const signature = twilioWebhooks.getExpectedTwilioSignature(token, signedFor, params);
    await handle(
      {
        method: 'POST',
        body: params,
        originalUrl: url.slice(BASE.length),
        get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
      },
      res,
    );
    return res.code;
  };
  return { ...world, post };
}

describe('the message-status webhook', () => {
  it("records a signed report on the text's recipient, and phones the number when the text was not delivered", async () => {
    const { post, recipient, sms, voice } = await escalatedWorld();
    const report = {
      MessageSid: sms.sent[0].sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30034',
      AccountSid: `AC${'0'.repeat(32)}`,
      To: '+15550190001',
    };
    expect(await post(report)).toBe(200);
    expect(await recipient()).toMatchObject({
      delivery: 'undelivered',
      voice_call: { state: 'placed' },
    });
    expect(await post(report)).toBe(200); // Twilio repeats it
    expect(voice.announced).toHaveLength(1);
  });

  it('rejects a forged report with 403 and changes nothing', async () => {
    const { post, recipient, sms, voice } = await escalatedWorld();
    const report = { MessageSid: sms.sent[0].sid, MessageStatus: 'failed' };
    expect(await post(report, undefined, 'not-the-token')).toBe(403);
    // The query is signed too: a report signed for the other recipient cannot be aimed at this one.
    expect(await post(report, undefined, TOKEN, sms.sent[1].statusCallback)).toBe(403);
    expect((await recipient()).delivery).toBeUndefined();
    expect(voice.announced).toEqual([]);
  });

  it('rejects a malformed body or query with 400', async () => {
    const { post, sms, recipient } = await escalatedWorld();
    expect(await post({ MessageSid: 'not-a-sid', MessageStatus: 'failed' })).toBe(400);
    expect(await post({ MessageSid: sms.sent[0].sid, MessageStatus: 'Failed!' })).toBe(400);
    expect(
      await post(
        { MessageSid: sms.sent[0].sid, MessageStatus: 'failed' },
        `${BASE}/twilio/message-status?call=${CALL_ID}`,
      ),
    ).toBe(400);
    expect(
      await post(
        { MessageSid: sms.sent[0].sid, MessageStatus: 'failed' },
        `${BASE}/twilio/message-status?call=../admins&to=%2B15550190001`,
      ),
    ).toBe(400);
    expect(
      await post(
        { MessageSid: sms.sent[0].sid, MessageStatus: 'failed' },
        `${BASE}/twilio/message-status?call=${CALL_ID}&to=a%2Fb`,
      ),
    ).toBe(400);
    expect((await recipient()).delivery).toBeUndefined();
  });

  it('answers 200 for a call it does not have (archived and purged), writing nothing', async () => {
    const { post, sms, live } = await escalatedWorld();
    const tree = JSON.stringify(live.tree);
    const gone = `${BASE}/twilio/message-status?call=call_15550100009_20251004_143000&to=%2B15550190001`;
    expect(await post({ MessageSid: sms.sent[0].sid, MessageStatus: 'delivered' }, gone)).toBe(200);
    expect(JSON.stringify(live.tree)).toBe(tree);
  });
});
