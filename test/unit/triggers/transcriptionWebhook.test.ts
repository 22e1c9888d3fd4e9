/** POST /twilio/transcription as Twilio meets it: signed, validated, answered with an empty 200, a 500 Twilio retries. */
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { startCall } from '../../../functions/src/calls/startCall';
import { transcriptionWebhook } from '../../../functions/src/triggers/webhooks';
import { twilioWebhook } from '../../../functions/src/triggers/twilioWebhook';
import type { LiveDb } from '../../../functions/src/ports';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const TOKEN = 'test-token';
const BASE = 'https://aurora.example.com';
const CALL_ID = 'call_15550100001_20251004_143000';
const CONV = 'conv_15550100001_20251004_143000';
const CALLER_URL = `${BASE}/twilio/transcription?call=${CALL_ID}&speaker=caller`;

/** A final utterance on the caller's leg, as Twilio posts it. */
const utterance = (overrides: Record<string, string> = {}) => ({
  AccountSid: `AC${'0'.repeat(32)}`,
  CallSid: callSid(1),
  TranscriptionSid: `GT${'c'.repeat(32)}`,
  TranscriptionEvent: 'transcription-content',
  SequenceId: '2',
  Timestamp: '2025-10-04T09:00:00.000Z',
  LanguageCode: 'en-US',
  Track: 'inbound_track',
  Final: 'true',
  TranscriptionData: JSON.stringify({ transcript: 'I am in the store room', confidence: 0.9 }),
  ...overrides,
});

async function liveCall() {
  const world = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  // The caller is in the call's conference: their conference transcription is recorded only there.
  await world.live.update({
    [`active_calls/${CALL_ID}/conference`]: {
      name: 'aurora-x',
      caller_in: true,
      caller_joined_at: '2025-10-04T14:30:00+05:30',
    },
  });
  const handle = twilioWebhook(
    transcriptionWebhook,
    () => TOKEN,
    () => world.deps,
  ) as (req: unknown, res: unknown) => Promise<void>;
  const post = async (params: Record<string, string>, url = CALLER_URL, token = TOKEN) => {
    const res = {
      code: 0,
      text: '',
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
      send(t: string) {
        this.text = t;
        return this;
      },
    };
    const signature = twilioWebhooks.getExpectedTwilioSignature(token, url, params);
    await handle(
      {
        method: 'POST',
        body: params,
        originalUrl: url.slice(BASE.length),
        get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
      },
      res,
    );
    return res;
  };
  const spoken = async () =>
    Object.values(
      ((await world.live.get(`active_conversations/${CONV}/messages`)) ?? {}) as Record<
        string,
        { spoken?: boolean; content: string }
      >,
    ).filter((m) => m.spoken);
  return { ...world, post, spoken };
}

describe('the transcription webhook', () => {
  it('records a signed utterance and answers with an empty 200', async () => {
    const { post, spoken } = await liveCall();
    const res = await post(utterance());
    expect(res.code).toBe(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(await spoken()).toEqual([
      expect.objectContaining({ role: 'user', content: 'I am in the store room' }),
    ]);
  });

  it('takes a supervisor’s leg from the query: who spoke, and as whom', async () => {
    const { post, spoken, live } = await liveCall();
    // Ana's leg is in the conference, heard by the caller: only such a leg's words are recorded.
    await live.update({
      [`active_calls/${CALL_ID}/conference`]: {
        name: 'aurora-x',
        caller_in: true,
        caller_joined_at: '2025-10-04T14:30:00+05:30',
        members: {
          [callSid(0xa1)]: {
            role: 'supervisor',
            who: 'ana@site.example',
            via: 'browser',
            state: 'joined',
            muted: false,
            at: '2025-10-04T14:30:00+05:30',
          },
        },
      },
    });
    const url = `${BASE}/twilio/transcription?call=${CALL_ID}&speaker=supervisor&who=ana%40site.example`;
    expect((await post(utterance({ CallSid: callSid(0xa1) }), url)).code).toBe(200);
    expect(await spoken()).toEqual([
      expect.objectContaining({ role: 'admin', by: 'ana@site.example' }),
    ]);
  });

  it('rejects bad TranscriptionData JSON or an unknown speaker with 400, writing nothing', async () => {
    const { post, live } = await liveCall();
    const tree = JSON.stringify(live.tree);
    const bad = await post(utterance({ TranscriptionData: '{"transcript": "fire' }));
    expect(bad.code).toBe(400);
    expect(bad.text).toBe('Malformed request: TranscriptionData');
    const stranger = await post(
      utterance(),
      `${BASE}/twilio/transcription?call=${CALL_ID}&speaker=aurora`,
    );
    expect(stranger.code).toBe(400);
    expect(stranger.text).toBe('Malformed request: query.speaker');
    const nameless = await post(
      utterance(),
      `${BASE}/twilio/transcription?call=${CALL_ID}&speaker=oncall`,
    );
    expect(nameless.text).toBe('Malformed request: query.who');
    expect(JSON.stringify(live.tree)).toBe(tree);
  });

  it('rejects a forged callback with 403, writing nothing', async () => {
    const { post, live } = await liveCall();
    const tree = JSON.stringify(live.tree);
    expect((await post(utterance(), CALLER_URL, 'not-the-token')).code).toBe(403);
    expect(JSON.stringify(live.tree)).toBe(tree);
  });

  it('answers 500 when the words could not be written, so Twilio posts them again', async () => {
    const world = await liveCall();
    const down: LiveDb = {
      get: () => Promise.reject(new Error('database unavailable')),
      update: () => Promise.reject(new Error('database unavailable')),
      transact: () => Promise.reject(new Error('database unavailable')),
    };
    const live = world.deps.live;
    world.deps.live = down;
    expect((await world.post(utterance())).code).toBe(500);
    world.deps.live = live;
    expect((await world.post(utterance())).code).toBe(200);
    expect(await world.spoken()).toHaveLength(1);
  });
});
