/** A real-time transcription callback, read and decided before anything is written (core/transcription.ts). */
import { describe, expect, it } from 'vitest';
import { messageKeyFactory } from '../../../functions/src/core/ids';
import { conferenceChange } from '../../../functions/src/core/conference';
import {
  callerOutBecause,
  claimOnCall,
  failureClaim,
  heardFromOf,
  MAX_CLOCK_SKEW_MS,
  MAX_TRANSCRIPT_CHARS,
  planRecording,
  spokenAt,
  spokenMessage,
  TranscriptionBody,
  TranscriptionQuery,
  transcriptKey,
  unheardBecause,
  utteranceClaim,
  whatToRecord,
  type TranscriptionEvent,
} from '../../../functions/src/core/transcription';
import type { ConferenceMember } from '@aurora/model';
import { MAX_SPEECH_CHARS } from '../../../functions/src/triggers/twilioBodies';
import { aLiveCall, callSid } from '../../helpers/fixtures';

const SID = `GT${'a'.repeat(32)}`;
const OTHER_SID = `GT${'b'.repeat(32)}`;
const CALL_ID = 'call_15550100001_20251004_143000';
const NOW_ISO = '2025-10-04T14:31:00+05:30';
const NOW_MS = Date.parse(NOW_ISO);

/** A transcription-content callback's form body as Twilio posts it; override what the test is about. */
const content = (overrides: Record<string, string> = {}) => ({
  AccountSid: `AC${'0'.repeat(32)}`,
  CallSid: callSid(1),
  TranscriptionSid: SID,
  TranscriptionEvent: 'transcription-content',
  SequenceId: '3',
  Timestamp: '2025-10-04T09:00:58.123456Z',
  LanguageCode: 'en-US',
  Track: 'inbound_track',
  Final: 'true',
  TranscriptionData: JSON.stringify({ transcript: 'There is a fire', confidence: 0.93 }),
  ...overrides,
});

/** content() without one of its fields. */
const without = (field: string) =>
  Object.fromEntries(Object.entries(content()).filter(([name]) => name !== field));

const failing = (body: Record<string, unknown>) =>
  TranscriptionBody.safeParse(body).error?.issues.map((i) => i.path.join('.'));

describe('TranscriptionBody', () => {
  it('reads a final utterance: its words, its place in the transcription and when it was spoken', () => {
    expect(TranscriptionBody.parse(content())).toEqual({
      kind: 'content',
      callSid: callSid(1),
      transcriptionSid: SID,
      sequence: 3,
      at: '2025-10-04T09:00:58.123456Z',
      final: true,
      transcript: 'There is a fire',
      confidence: 0.93,
      track: 'inbound_track',
      languageCode: 'en-US',
    });
    expect(TranscriptionBody.parse(content({ Final: 'false' }))).toMatchObject({ final: false });
  });

  it('refuses TranscriptionData that is not the JSON Twilio documents, naming the field', () => {
    expect(failing(content({ TranscriptionData: '{"transcript": "fire' }))).toEqual([
      'TranscriptionData',
    ]);
    expect(failing(content({ TranscriptionData: '"fire"' }))).toEqual(['TranscriptionData']);
    expect(failing(content({ TranscriptionData: '{"text":"fire"}' }))).toEqual([
      'TranscriptionData',
    ]);
    expect(failing(without('TranscriptionData'))).toEqual(['TranscriptionData']);
    expect(failing(content({ TranscriptionData: 'x'.repeat(10_000) }))).toEqual([
      'TranscriptionData',
    ]);
  });

  it('refuses an utterance without a SequenceId, and SIDs that are not Twilio’s', () => {
    expect(failing(without('SequenceId'))).toEqual(['SequenceId']);
    expect(failing(content({ TranscriptionSid: 'GT123' }))).toEqual(['TranscriptionSid']);
    expect(failing(content({ CallSid: 'CA-not-a-sid' }))).toEqual(['CallSid']);
  });

  it('reads an error with its reason and code, and any other event as nothing to record', () => {
    expect(
      TranscriptionBody.parse({
        CallSid: callSid(1),
        TranscriptionSid: SID,
        TranscriptionEvent: 'transcription-error',
        SequenceId: '7',
        TranscriptionError: 'Provider unavailable',
        TranscriptionErrorCode: '32655',
      }),
    ).toMatchObject({ kind: 'error', error: 'Provider unavailable', code: '32655', sequence: 7 });
    for (const event of ['transcription-started', 'transcription-stopped', 'transcription-paused'])
      expect(
        TranscriptionBody.parse({
          CallSid: callSid(1),
          TranscriptionSid: SID,
          TranscriptionEvent: event,
        }),
      ).toEqual({ kind: 'other', event, callSid: callSid(1), transcriptionSid: SID });
  });
});

describe('TranscriptionQuery', () => {
  it('names the call and the speaker; a human leg names who spoke', () => {
    expect(TranscriptionQuery.parse({ call: CALL_ID, speaker: 'caller' })).toEqual({
      call: CALL_ID,
      speaker: 'caller',
    });
    expect(
      TranscriptionQuery.parse({ call: CALL_ID, speaker: 'oncall', who: '+15550190001' }),
    ).toMatchObject({ who: '+15550190001' });
  });

  it('refuses an unknown speaker, a human leg without a name, and a path that is not a call id', () => {
    const issues = (query: Record<string, string>) =>
      TranscriptionQuery.safeParse(query).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ call: CALL_ID, speaker: 'aurora' })).toEqual(['speaker']);
    expect(issues({ call: CALL_ID, speaker: 'supervisor' })).toEqual(['who']);
    expect(issues({ call: '../admins', speaker: 'caller' })).toEqual(['call']);
    expect(issues({ call: CALL_ID, speaker: 'supervisor', who: 'ana\n' })).toEqual(['who']);
  });
});

const utterance = (overrides: Partial<Extract<TranscriptionEvent, { kind: 'content' }>> = {}) =>
  ({
    kind: 'content',
    callSid: callSid(1),
    transcriptionSid: SID,
    sequence: 1,
    final: true,
    transcript: 'There is a fire',
    track: 'inbound_track',
    ...overrides,
  }) satisfies TranscriptionEvent;

describe('whatToRecord', () => {
  it('records final words, tidied, and nothing for an interim result, silence or what a leg heard', () => {
    expect(whatToRecord(utterance({ transcript: '  There is\n a fire ' }), 'caller')).toEqual({
      kind: 'words',
      content: 'There is a fire',
      capped: false,
    });
    expect(whatToRecord(utterance({ final: false }), 'caller')).toEqual({
      kind: 'nothing',
      why: 'interim',
    });
    expect(whatToRecord(utterance({ transcript: '   ' }), 'caller')).toMatchObject({
      why: 'empty',
    });
    expect(whatToRecord(utterance({ track: 'outbound_track' }), 'caller')).toMatchObject({
      why: 'heard-not-said',
    });
  });

  it("cuts words past a Gather's cap at a whole word, marked as cut", () => {
    expect(MAX_TRANSCRIPT_CHARS).toBe(MAX_SPEECH_CHARS);
    const long = 'fire '.repeat(600).trim(); // 2,999 characters
    const recorded = whatToRecord(utterance({ transcript: long }), 'caller');
    expect(recorded).toMatchObject({ kind: 'words', capped: true });
    const words = (recorded as { content: string }).content;
    expect(words.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_CHARS);
    expect(words).toMatch(/ fire…$/);
  });

  it('notes a failed transcription for the supervisors, saying whose words may be missing', () => {
    const error = {
      kind: 'error' as const,
      callSid: callSid(1),
      transcriptionSid: SID,
      error: 'Provider unavailable',
      code: '32655',
    };
    expect(whatToRecord(error, 'caller')).toEqual({
      kind: 'failure',
      note: "Live transcription failed: Provider unavailable (the caller's line, Twilio error 32655); words spoken now may be missing.",
    });
    expect(whatToRecord(error, 'supervisor', 'ana@site.example')).toMatchObject({
      note: expect.stringContaining("(supervisor ana@site.example's line, Twilio error 32655)"),
    });
  });
});

describe('planRecording', () => {
  it("plans the caller's words: their message, claim and key, at the site's time of Twilio's Timestamp", () => {
    const at = Date.parse('2025-10-04T09:00:58Z');
    expect(
      planRecording(
        utterance({ at: '2025-10-04T09:00:58Z' }),
        'caller',
        undefined,
        NOW_MS,
        'Asia/Kolkata',
      ),
    ).toEqual({
      kind: 'record',
      message: spokenMessage('caller', undefined, 'There is a fire', '2025-10-04T14:30:58+05:30'),
      claim: utteranceClaim(SID, 1),
      messageKey: transcriptKey(at, SID, 1),
      callerWords: 'There is a fire',
      capped: false,
    });
  });

  it("plans a supervisor's words without urgency, a failure as a system line, an interim result as nothing", () => {
    const supervisor = planRecording(utterance(), 'supervisor', 'ana@site.example', NOW_MS, 'UTC');
    expect(supervisor).toMatchObject({ callerWords: null, message: { role: 'admin' } });
    const failed = planRecording(
      { kind: 'error', callSid: callSid(1), transcriptionSid: SID, error: 'gone' },
      'caller',
      undefined,
      NOW_MS,
      'UTC',
    );
    expect(failed).toMatchObject({
      claim: failureClaim(SID),
      callerWords: null,
      message: { role: 'system' },
    });
    expect(planRecording(utterance({ final: false }), 'caller', undefined, NOW_MS, 'UTC')).toEqual({
      kind: 'nothing',
      why: 'interim',
    });
  });
});

describe('spokenMessage', () => {
  it("labels the caller's words as the user's, a supervisor's as an admin's and the on-call person's as on-call, each by whom", () => {
    expect(spokenMessage('caller', undefined, 'help', NOW_ISO)).toEqual({
      role: 'user',
      content: 'help',
      timestamp: NOW_ISO,
      sources: '',
      spoken: true,
    });
    expect(spokenMessage('supervisor', 'ana@site.example', 'stay low', NOW_ISO)).toMatchObject({
      role: 'admin',
      by: 'ana@site.example',
      spoken: true,
    });
    expect(spokenMessage('oncall', '+15550190001', 'on my way', NOW_ISO)).toMatchObject({
      role: 'oncall',
      by: '+15550190001',
    });
  });
});

describe('the keys', () => {
  it('claim each utterance once per transcription and sequence, never as a Gather would', () => {
    expect(utteranceClaim(SID, 3)).toBe(utteranceClaim(SID, 3));
    expect(utteranceClaim(SID, 3)).not.toBe(utteranceClaim(SID, 4));
    expect(utteranceClaim(SID, 3)).not.toBe(utteranceClaim(OTHER_SID, 3));
    expect(failureClaim(SID)).not.toBe(utteranceClaim(SID, 0));
    expect(utteranceClaim(SID, 3)).toMatch(/^rt[0-9a-f]{20}$/); // a Gather's key is at most 20 characters
  });

  it('sort by when the words were spoken, then by sequence, among keys made as every message key is', () => {
    const messageKey = messageKeyFactory(() => 0.5);
    const before = messageKey(NOW_MS - 1);
    const after = messageKey(NOW_MS + 1);
    const third = transcriptKey(NOW_MS, SID, 3);
    const fourth = transcriptKey(NOW_MS, SID, 4);
    expect(third).toHaveLength(before.length);
    expect([after, fourth, before, third].sort()).toEqual([before, third, fourth, after]);
    // A later utterance spoken later sorts later whatever its sequence.
    expect(transcriptKey(NOW_MS + 1000, SID, 1) > transcriptKey(NOW_MS, SID, 9)).toBe(true);
    expect(transcriptKey(NOW_MS, SID, 3)).toBe(third); // the same callback, the same key
    expect(transcriptKey(NOW_MS, SID, 3, 'failure')).not.toBe(third);
  });

  it("place the words at Twilio's Timestamp, never after now, and at the arrival when it is missing or implausible", () => {
    expect(spokenAt('2025-10-04T09:00:58.123456Z', NOW_MS)).toBe(NOW_MS - 1877);
    expect(spokenAt('2025-10-04T09:01:03Z', NOW_MS)).toBe(NOW_MS);
    expect(spokenAt(undefined, NOW_MS)).toBe(NOW_MS);
    expect(spokenAt('yesterday', NOW_MS)).toBe(NOW_MS);
    expect(spokenAt(new Date(NOW_MS - MAX_CLOCK_SKEW_MS - 1).toISOString(), NOW_MS)).toBe(NOW_MS);
  });
});

describe('claimOnCall', () => {
  const claim = { key: utteranceClaim(SID, 3), messageKey: 'K3', callerSpoke: true };

  it("claims the utterance, settles the caller's words on the call as stored and holds the purge off", () => {
    const decision = claimOnCall(
      aLiveCall({ quiet_since: NOW_ISO, answered: { g1: true } }),
      {
        ...claim,
        settle: (call) => ({ urgency: call.urgency === 'NORMAL' ? 'CRITICAL' : 'URGENT' }),
      },
      NOW_ISO,
      NOW_MS,
    );
    expect(decision).toEqual({
      kind: 'claim',
      fields: {
        last_message_at: NOW_ISO,
        turn_started_at: NOW_ISO,
        answered: { g1: true, [claim.key]: 'K3' },
        urgency: 'CRITICAL',
        quiet_since: null,
      },
      messageKey: 'K3',
      claimedBefore: false,
      holdsMarker: true,
    });
  });

  it("leaves a turn's marker to the turn, and a quiet call quiet when a supervisor speaks", () => {
    const turning = aLiveCall({ turn_started_at: NOW_ISO, quiet_since: NOW_ISO });
    const decision = claimOnCall(turning, { ...claim, callerSpoke: false }, NOW_ISO, NOW_MS + 1000);
    expect(decision).toMatchObject({ kind: 'claim', holdsMarker: false });
    expect(decision.kind === 'claim' && decision.fields).toEqual({
      last_message_at: NOW_ISO,
      answered: { [claim.key]: 'K3' },
    });
  });

  it('writes a message claimed before where the first claim said, settling nothing again', () => {
    let settled = 0;
    const decision = claimOnCall(
      aLiveCall({ answered: { [claim.key]: 'K-first' } }),
      { ...claim, settle: () => (settled++, { urgency: 'CRITICAL' }) },
      NOW_ISO,
      NOW_MS,
    );
    expect(decision).toEqual({
      kind: 'claim',
      fields: { last_message_at: NOW_ISO, turn_started_at: NOW_ISO },
      messageKey: 'K-first',
      claimedBefore: true,
      holdsMarker: true,
    });
    expect(settled).toBe(0);
  });

  it('claims nothing on a call being purged: the words go to the archive', () => {
    expect(claimOnCall(aLiveCall({ purging: true }), claim, NOW_ISO, NOW_MS)).toEqual({
      kind: 'purging',
    });
  });
});

describe('words the caller never heard (unheardBecause, claimOnCall)', () => {
  const LEG = callSid(0xa1);
  const LEFT_AT = '2025-10-04T14:30:40+05:30';
  const inConference = (member: Partial<ConferenceMember> | null) =>
    aLiveCall({
      conference: {
        name: 'aurora-x',
        caller_in: true,
        caller_joined_at: '2025-10-04T14:30:00+05:30',
        ...(member
          ? {
              members: {
                [LEG]: {
                  role: 'supervisor',
                  who: 'ana@site.example',
                  via: 'browser',
                  state: 'joined',
                  muted: false,
                  at: '2025-10-04T14:30:00+05:30',
                  ...member,
                },
              },
            }
          : {}),
      },
    }).conference;
  const at = (iso: string) => ({ leg: LEG, spokenAtMs: Date.parse(iso) });

  it('hears a joined, unmuted leg; not a muted one, one not joined, or one that is no member', () => {
    expect(unheardBecause(inConference({}), at(NOW_ISO))).toBeNull();
    expect(unheardBecause(inConference({ muted: true }), at(NOW_ISO))).toBe('muted');
    expect(unheardBecause(inConference({ state: 'ringing' }), at(NOW_ISO))).toBe('not-joined');
    expect(unheardBecause(inConference(null), at(NOW_ISO))).toBe('not-a-member');
    expect(unheardBecause(undefined, at(NOW_ISO))).toBe('not-a-member');
  });

  it('hears a leg that left unmuted up to the second it left, and not after; a muted one not at all', () => {
    const left = inConference({ state: 'left', at: LEFT_AT });
    expect(unheardBecause(left, at('2025-10-04T14:30:39+05:30'))).toBeNull();
    expect(unheardBecause(left, { leg: LEG, spokenAtMs: Date.parse(LEFT_AT) + 999 })).toBeNull();
    expect(unheardBecause(left, { leg: LEG, spokenAtMs: Date.parse(LEFT_AT) + 1000 })).toBe(
      'not-joined',
    );
    const leftMuted = inConference({ state: 'left', at: LEFT_AT, muted: true });
    expect(unheardBecause(leftMuted, at('2025-10-04T14:30:39+05:30'))).toBe('muted');
  });

  it('claims nothing for words the caller could not hear, even on a call being purged; judges only the first claim', () => {
    const claim = {
      key: utteranceClaim(SID, 3),
      messageKey: 'K3',
      callerSpoke: false,
      heardFrom: at(NOW_ISO),
    };
    const muted = aLiveCall({ conference: inConference({ muted: true }) });
    expect(claimOnCall(muted, claim, NOW_ISO, NOW_MS)).toEqual({ kind: 'unheard', why: 'muted' });
    expect(claimOnCall({ ...muted, purging: true }, claim, NOW_ISO, NOW_MS)).toEqual({
      kind: 'unheard',
      why: 'muted',
    });
    const heard = aLiveCall({ conference: inConference({}), purging: true });
    expect(claimOnCall(heard, claim, NOW_ISO, NOW_MS)).toEqual({ kind: 'purging' });
    // Claimed before (and heard then): a retry writes its message wherever the member is now.
    const retried = { ...muted, answered: { [claim.key]: 'K-first' } };
    expect(claimOnCall(retried, claim, NOW_ISO, NOW_MS)).toMatchObject({
      kind: 'claim',
      messageKey: 'K-first',
    });
  });

  it("checks a human leg's words, never the caller's or a failure note", () => {
    expect(heardFromOf(utterance({ at: '2025-10-04T09:00:58Z' }), 'supervisor', NOW_MS)).toEqual({
      leg: callSid(1),
      spokenAtMs: Date.parse('2025-10-04T09:00:58Z'),
    });
    expect(heardFromOf(utterance(), 'caller', NOW_MS)).toBeUndefined();
    expect(
      heardFromOf(
        { kind: 'error', callSid: callSid(1), transcriptionSid: SID, error: 'gone' },
        'oncall',
        NOW_MS,
      ),
    ).toBeUndefined();
  });
});

describe("the caller's own words (callerOutBecause, claimOnCall)", () => {
  const JOINED_AT = '2025-10-04T14:30:00+05:30';
  const LEFT_AT = '2025-10-04T14:30:40+05:30';
  const SPOKEN = Date.parse('2025-10-04T14:30:20+05:30');
  const inConference = aLiveCall({
    conference: { name: 'aurora-x', caller_in: true, caller_joined_at: JOINED_AT },
  });
  /** The call after the conference ended with the caller in it (they hung up), at LEFT_AT. */
  const hungUp = () =>
    aLiveCall({
      conference: conferenceChange(inConference, CALL_ID, { kind: 'conference-ended' }, LEFT_AT)!
        .conference,
    });
  const claim = {
    key: utteranceClaim(SID, 1),
    messageKey: 'K1',
    callerSpoke: true,
    settle: () => ({ urgency: 'CRITICAL' as const }),
  };

  it('keeps words said in the conference, up to the second the caller left; not those said after, or with no conference at all', () => {
    expect(callerOutBecause(inConference.conference, NOW_MS)).toBeNull();
    const left = hungUp().conference;
    expect(left?.caller_left_at).toBe(LEFT_AT);
    expect(callerOutBecause(left, SPOKEN)).toBeNull();
    expect(callerOutBecause(left, Date.parse(LEFT_AT) + 999)).toBeNull();
    expect(callerOutBecause(left, Date.parse(LEFT_AT) + 1000)).toBe('caller-out');
    expect(callerOutBecause(undefined, SPOKEN)).toBe('caller-out');
  });

  // A supervisor presses Talk after the caller hung up, before Twilio's status callback says so:
  // the join brings the caller in (on the record), the move fails (the call is gone), and the
  // caller's words from the conference, transcribed late, are claimed after that.
  it("keeps the caller's late words from the conference after a move in that failed", () => {
    const talkAgain = conferenceChange(
      hungUp(),
      CALL_ID,
      {
        kind: 'joined',
        leg: callSid(0xb5),
        role: 'supervisor',
        who: 'ana@site.example',
        via: 'browser',
        muted: false,
      },
      NOW_ISO,
    )!;
    const failed = conferenceChange(
      aLiveCall(talkAgain),
      CALL_ID,
      { kind: 'move-failed', leg: callSid(0xb5) },
      NOW_ISO,
    )!;
    const call = aLiveCall({ ...failed, status: 'ENDED' });
    expect(call.conference).toMatchObject({ caller_in: false, caller_left_at: LEFT_AT });
    expect(claimOnCall(call, { ...claim, callerSpokeAtMs: SPOKEN }, NOW_ISO, NOW_MS)).toMatchObject(
      { kind: 'claim', fields: { urgency: 'CRITICAL', answered: { [claim.key]: 'K1' } } },
    );
    // Words said after they left were Aurora's Gather's to hear: not recorded twice.
    expect(
      claimOnCall(call, { ...claim, callerSpokeAtMs: Date.parse(LEFT_AT) + 5000 }, NOW_ISO, NOW_MS),
    ).toEqual({ kind: 'unheard', why: 'caller-out' });
  });
});
