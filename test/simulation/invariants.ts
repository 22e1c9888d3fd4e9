/**
 * The safety rules of docs/design.md as properties over whole calls. The tracker follows every call
 * by its CallSid from outside Aurora (what Twilio posted, what it sent back, every write to the
 * call node) and reports a violation the moment one is visible: after each step for the safety
 * rules, and at the end of a run, at rest, for the ones about where things must end up.
 */
import { DEMO_PROCEDURES } from '../../functions/src/assistant/procedures';
import { keywordUrgency } from '../../functions/src/assistant/offlineResponder';
import { conversationIdOf, keyOrder } from '../../functions/src/core/ids';
import type { Timings } from '../../functions/src/core/log';
import { CONFERENCE_NOTES } from '../../functions/src/core/conference';
import { overtaken } from '../../functions/src/core/turnPlan';
import { rank } from '../../functions/src/core/urgency';
import {
  type Alert,
  isAcknowledged,
  LiveCall,
  type LiveMessage,
  paths,
  salvageConversation,
  type SummaryRow,
  type Urgency,
} from '@aurora/model';
import { alarmEntries } from '../../hosting/src/core/alarms';
import type { CallWrite } from './ports';
import { nextState, parseTwiml, type TwilioCall } from './twilio';
import type { TurnRequest, World } from './world';

/** The invariants, by the code a violation carries (and `--except` takes). */
export const INVARIANTS = {
  'I1.escalated':
    'An unacknowledged CRITICAL call is escalated within the escalation delay plus its retry bound (live, held or ended).',
  'I1.alarms':
    'An unacknowledged CRITICAL call alarms on the dashboard until someone acknowledges it.',
  'I2.no-hangup':
    'Aurora never hangs up on an unacknowledged CRITICAL or URGENT call, nor on a call a human holds.',
  'I2.silent-while-held': 'Aurora never speaks while a human holds the call.',
  'I2.bridge-returns':
    'A bridge that ends (answered or not) returns the caller to someone: the call goes on.',
  'I3.utterance-once':
    'Every caller utterance a turn webhook or a transcription callback was answered for is in the transcript exactly once (live or archived).',
  'I3.only-what-was-said':
    'Every line the transcript gives Aurora or a supervisor (typed) was sent to Twilio.',
  'I4.urgency-floor':
    "After a turn is answered, the call's urgency is at least the offline triage of the words said (since its last recorded fall).",
  'I4.falls-recorded':
    "A call's urgency falls only with a recorded fall (the caller's answer to Aurora's key question, or a supervisor's decision).",
  'I5.one-archive':
    'One archive per CallSid (and one live call: a second becomes a second archive).',
  'I5.nothing-left':
    'Once a call has ended, the queues drained and (if CRITICAL) it is acknowledged, nothing of it is left live.',
  'I6.speculation-triage':
    'A speculated reply is never used when the final words are triaged otherwise than the words it was made for.',
  'I7.texts-confirmed':
    'The on-call staff are texted only for a confirmed CRITICAL call (never a provisional one, never one that fell).',
  'I8.never-alone':
    'Whenever the caller is in the conference and every callback has been delivered, a joined, unmuted human leg is with them, or nobody holds the call (Aurora answers them there, the call as stored having them in) and a joined listener is; else they are back at a Gather. Beside a holder, muted listeners are no company.',
  'I9.only-heard-words':
    "The transcript holds no words from a human leg the caller could not hear (muted, or not joined with them); a leg's words the caller heard are in it at most once.",
  'I10.aurora-answers-listened':
    "Every caller utterance a transcription recorded in the conference while nobody held the call (supervisors only listening) gets, once its callback is answered, Aurora's reply announced into the conference (Twilio accepted it), or a transcript line that her reply was not spoken, or, a supervisor having taken the call meanwhile, her reply recorded as possibly unheard. Words answered at a Gather whose answer a listener's move into such a conference dropped get her reply announced there, or a line that it was not spoken.",
  // Not a safety rule but what checking them needs: a run that never comes to rest would hang
  // the simulation. Reported whatever --except says (the run ended early either way).
  'R1.comes-to-rest':
    'A run comes to rest: its requests, tasks and timers stop scheduling one another within the event budget (world.ts EVENT_BUDGET).',
} as const;
export type InvariantCode = keyof typeof INVARIANTS;

export type Violation = { invariant: InvariantCode; callSid: string; step: number; detail: string };

/** The admin whose alerts the dashboard's alarm is computed over (admins/ holds the two of test/helpers/calls.ts). */
export const WATCHING_ADMIN = 'uid_ana';

/** Escalated within this of turning CRITICAL: the 60 s timer plus the escalation queue's retries (about five minutes). */
export const escalationBoundMs = (afterSeconds: number) => (afterSeconds + 300) * 1000;

const triageMemo = new Map<string, Urgency>();
/** The offline triage of a caller's words with the demo procedures: the floor no answer may go under. */
export function triageOf(words: string): Urgency {
  let urgency = triageMemo.get(words);
  if (!urgency) triageMemo.set(words, (urgency = keywordUrgency(words, DEMO_PROCEDURES)));
  return urgency;
}

const highest = (urgencies: Urgency[]): Urgency =>
  urgencies.reduce<Urgency>((a, b) => (rank[b] > rank[a] ? b : a), 'NORMAL');

/** What the simulation knows of one call, by its CallSid, whatever Aurora recorded. */
type Track = {
  callSid: string;
  /** Call ids recorded live for this CallSid. */
  callIds: Set<string>;
  /** The latest urgency and number of recorded falls seen on each of its call nodes. */
  latest: Map<string, { urgency: Urgency; falls: number }>;
  /** The words from this index on are what the urgency must be at least (earlier ones were settled by a fall). */
  floorFrom: number;
  /** When the call node was first seen CRITICAL (simulated ms). */
  criticalSince?: number;
  /** Someone had it in hand while it was CRITICAL (acknowledged at CRITICAL, or held). */
  acknowledged: boolean;
  /** escalated_at or escalation.failed was seen on the call node. */
  escalated: boolean;
  /** Utterances a turn webhook or a transcription callback answered, each once (a replayed request, or the Gather and a transcription hearing the same words, is one utterance). */
  answered: Array<{ words: string; token: string }>;
  /** What the humans on the call's conference said that the caller heard, by speaker and words: how often. */
  heardFromHumans: Map<string, number>;
};

/** What the words said since the call's last recorded fall call for. */
const saidSinceFall = (track: Track): Urgency =>
  highest(track.answered.slice(track.floorFrom).map((a) => triageOf(a.words)));

const humanKey = (who: string, words: string) => `${who}\n${words}`;

/** A caller's transcription callback about to be delivered: whether Aurora answers it, and what is there already. */
export type CallerWordsBefore = {
  auroraAnswers: boolean;
  /** Announcements Twilio had accepted, over every call. */
  accepted: number;
  notSpoken: number;
  overtaken: number;
};

/** The start of the transcript's line for a reply of Aurora's recorded and not said into the conference. */
const REPLY_NOT_SPOKEN = CONFERENCE_NOTES.replyNotSpoken('').split('(')[0];
/** The start of the line for words to be announced that could not be read when Twilio asked for them. */
const NOT_ANNOUNCED = CONFERENCE_NOTES.notAnnounced.split('(')[0];
/** The start of the line for a reply of Aurora's that a take overtook. */
const OVERTAKEN = overtaken('', '').split(':')[0];

const countBy = (items: string[]) =>
  items.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());

/**
 * The lines the transcript gives Aurora or a supervisor (typed) as said to the caller: each, less
 * those a later line says were not spoken (Aurora's reply in the conference not announced, or
 * words to announce that could not be read when Twilio asked for them: the nearest such line
 * above the note). Words transcribed from the conference (spoken) are I9's.
 */
function claimedSaid(messages: LiveMessage[]): LiveMessage[] {
  const said: LiveMessage[] = [];
  for (const m of messages) {
    if ((m.role === 'assistant' || m.role === 'admin') && !m.spoken) said.push(m);
    if (m.role !== 'system') continue;
    const unsaid = m.content.startsWith(REPLY_NOT_SPOKEN)
      ? said.findLastIndex((l) => l.role === 'assistant')
      : m.content.startsWith(NOT_ANNOUNCED)
        ? said.length - 1
        : -1;
    if (unsaid >= 0) said.splice(unsaid, 1);
  }
  return said;
}

export class Tracker {
  readonly violations: Violation[] = [];
  private readonly tracks = new Map<string, Track>();
  private readonly reported = new Set<string>();
  private step = 0;
  private injectedAtStepStart = 0;

  constructor(private readonly world: World) {}

  stepStarted(step: number) {
    this.step = step;
    this.injectedAtStepStart = this.world.db.injected;
  }

  private get now() {
    return this.world.clock().getTime();
  }

  private track(callSid: string): Track {
    let track = this.tracks.get(callSid);
    if (!track)
      this.tracks.set(
        callSid,
        (track = {
          callSid,
          callIds: new Set(),
          latest: new Map(),
          floorFrom: 0,
          acknowledged: false,
          escalated: false,
          answered: [],
          heardFromHumans: new Map(),
        }),
      );
    return track;
  }

  violate(invariant: InvariantCode, callSid: string, detail: string) {
    const key = `${invariant} ${callSid}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.violations.push({ invariant, callSid, step: this.step, detail });
    this.world.note(`VIOLATION ${invariant}: ${detail}`);
  }

  // ---- Observations ----

  /** Every write to a call node, as it lands. */
  observeCall({ callId, before, after }: CallWrite) {
    if (after === null && before !== null) this.world.count('a call was purged');
    const parsed = after === null ? null : LiveCall.safeParse(after);
    if (!parsed?.success) return;
    const call = parsed.data;
    const track = this.track(call.call_sid);
    track.callIds.add(callId);
    const was = track.latest.get(callId) ?? { urgency: 'NORMAL', falls: 0 };
    const falls = Object.keys(call.urgency_falls ?? {}).length;
    if (rank[call.urgency] < rank[was.urgency] && falls <= was.falls)
      this.violate(
        'I4.falls-recorded',
        call.call_sid,
        `${callId} went from ${was.urgency} to ${call.urgency} with no fall recorded`,
      );
    if (falls > was.falls) {
      // The answer that settled it is the next words answered: the floor starts again from them.
      track.floorFrom = track.answered.length;
      if (call.urgency !== 'CRITICAL' && !track.escalated) track.criticalSince = undefined;
    }
    track.latest.set(callId, { urgency: call.urgency, falls });
    if ((call.escalated_at || call.escalation?.failed) && !track.escalated)
      if (call.urgency !== 'CRITICAL' || call.urgency_provisional)
        this.violate(
          'I7.texts-confirmed',
          call.call_sid,
          `${callId} was escalated while ${call.urgency_provisional ? 'provisional' : call.urgency}`,
        );
    if (call.urgency === 'CRITICAL') {
      if (track.criticalSince === undefined) this.world.count('a call turned CRITICAL');
      track.criticalSince ??= this.now;
      if (isAcknowledged(call) && !track.acknowledged)
        this.world.count('a CRITICAL call was acknowledged');
      if (isAcknowledged(call)) track.acknowledged = true;
    }
    if ((call.escalated_at || call.escalation?.failed) && !track.escalated)
      this.world.count(
        call.status === 'ENDED' ? 'an ENDED call was escalated' : 'a live call was escalated',
      );
    if (call.escalated_at || call.escalation?.failed) track.escalated = true;
  }

  endedAtTwilio(call: TwilioCall) {
    this.track(call.callSid);
  }

  /** Every call node live for a CallSid now (read as stored, without faults): one at most, by I5. */
  private liveCalls(callSid: string): Array<{ callId: string; call: LiveCall }> {
    const calls = (this.world.db.memory.tree.active_calls ?? {}) as Record<string, unknown>;
    return Object.entries(calls).flatMap(([callId, value]) => {
      const parsed = LiveCall.safeParse(value);
      return parsed.success && parsed.data.call_sid === callSid
        ? [{ callId, call: parsed.data }]
        : [];
    });
  }

  /** The call node live for a CallSid: the one its index names, else any. */
  private liveCall(callSid: string): { callId: string; call: LiveCall } | null {
    const live = this.liveCalls(callSid);
    const indexed = ((this.world.db.memory.tree.call_sids ?? {}) as Record<string, unknown>)[
      callSid
    ];
    return live.find((l) => l.callId === indexed) ?? live[0] ?? null;
  }

  /** A turn webhook answered `request`: I2 on what Twilio did with the answer, I4 and I6 on what the turn made of the words. */
  async turnAnswered(
    request: TurnRequest,
    twiml: string,
    fate: 'used' | 'dropped' | 'call-over',
    timings: Timings,
    partial?: string,
    before?: CallerWordsBefore,
  ) {
    const track = this.track(request.callSid);
    const words = request.words.trim();
    if (words !== '' && !track.answered.some((a) => a.token === request.token))
      track.answered.push({ words, token: request.token });
    const live = this.liveCall(request.callSid);
    const said = saidSinceFall(track);
    if (fate === 'used') {
      const doc = parseTwiml(twiml);
      const urgency = highest([live?.call.urgency ?? 'NORMAL', said]);
      const held = live?.call.mode === 'human';
      if (nextState(doc) === 'ended') {
        const acknowledged = live ? isAcknowledged({ ...live.call, urgency }) : false;
        if ((urgency !== 'NORMAL' && !acknowledged) || held) {
          this.violate(
            'I2.no-hangup',
            request.callSid,
            `the answer to "${words}" ends the call (${doc.hangup ? '<Hangup/>' : 'no verb left'}) on a ${urgency} call${held ? ' a human holds' : ', unacknowledged'}`,
          );
        }
      }
      if (doc.says.length > 0 && held)
        this.violate(
          'I2.silent-while-held',
          request.callSid,
          `Aurora said "${doc.says.join(' ')}" while ${live!.call.admin_id} holds the call`,
        );
    }
    if (
      timings.speculation === 1 &&
      partial !== undefined &&
      triageOf(partial) !== triageOf(words)
    ) {
      this.violate(
        'I6.speculation-triage',
        request.callSid,
        `the reply speculated on "${partial}" (${triageOf(partial)}) answered "${words}" (${triageOf(words)})`,
      );
    }
    const faulted = this.world.db.injected !== this.injectedAtStepStart;
    // I10 for a Gather's answer: a listener's join moved the caller into the conference of a call
    // nobody holds while Aurora composed it, and the move (a call update) dropped it. Her answer to
    // words, and what she says into a silence (asking again, still here, goodbye), alike.
    // (A database refusing the turn's writes may not know of the move: not judged then.)
    const movedIn =
      fate === 'dropped' &&
      this.world.calls.get(request.callSid)?.state === 'conference' &&
      !!live?.call.conference?.caller_in &&
      live.call.mode !== 'human';
    const answered = words !== '' || parseTwiml(twiml).says.length > 0;
    if (answered && before && movedIn && !faulted) this.auroraAnsweredMovedIn(request, before);
    // A call being purged has had its archive verified: words arriving now go to the archive,
    // whose urgency they raise (calls/takeTurn.ts recordLateTurn), not to the live record.
    const recorded = live?.call.purging
      ? highest([
          live.call.urgency,
          ...this.archivedPlans(request.callSid).map((p) => p.call.urgency),
        ])
      : live?.call.urgency;
    if (words !== '' && live && recorded && !faulted && rank[recorded] < rank[said]) {
      this.violate(
        'I4.urgency-floor',
        request.callSid,
        `after "${words}" was answered ${live.callId} is ${recorded}${live.call.purging ? ' (being purged; with its archive)' : ''}; the words say ${said}${live.call.mode === 'human' ? ' (a human holds the call)' : ''}`,
      );
    }
  }

  /** A bridge ended: the caller must be back with someone, not left to a dead line. */
  bridgeEnded(call: TwilioCall, status: string, twiml: string | null) {
    if (call.state === 'ended') {
      this.violate(
        'I2.bridge-returns',
        call.callSid,
        `after the bridge ended (${status}) the call ended: ${twiml === null ? 'its <Dial> has no action, and no verb follows it' : 'the <Dial action> answer has no Gather'}`,
      );
    }
  }

  /** A human on the call's conference said `words`, heard by the caller or not. */
  humanSpoke(callerSid: string, who: string, words: string, heard: boolean) {
    if (!heard || !callerSid) return;
    const track = this.track(callerSid);
    const key = humanKey(who, words);
    track.heardFromHumans.set(key, (track.heardFromHumans.get(key) ?? 0) + 1);
  }

  /**
   * A transcription callback was answered (200): the caller's words are an utterance the
   * transcript must hold once, and their urgency is the call's at least (I4, as after a turn).
   */
  async transcribed(
    request: { callSid: string; words: string; utterance: string },
    speaker: string,
    outcome: string,
    before?: CallerWordsBefore,
  ) {
    if (speaker !== 'caller') return;
    const track = this.track(request.callSid);
    const words = request.words.trim();
    if (words === '' || track.answered.some((a) => a.token === request.utterance)) return;
    track.answered.push({ words, token: request.utterance });
    if (outcome === 'recorded' && before?.auroraAnswers)
      this.auroraAnsweredListened(request, before);
    const live = this.liveCall(request.callSid);
    const said = saidSinceFall(track);
    if (outcome === 'recorded' && live && rank[live.call.urgency] < rank[said])
      this.violate(
        'I4.urgency-floor',
        request.callSid,
        `after "${words}" was transcribed ${live.callId} is ${live.call.urgency}; the words say ${said}${live.call.mode === 'human' ? ' (a human holds the call)' : ''}`,
      );
  }

  // ---- Transcripts ----

  private archivedPlans(callSid: string) {
    return [...this.world.archive.plans.values()].filter((plan) => plan.call.call_sid === callSid);
  }

  /** The call's transcript now: live while its call is live, else its archive(s) and any orphan live conversation. */
  private transcript(callSid: string): { where: string; messages: LiveMessage[] } {
    const tree = this.world.db.memory.tree;
    const conversations = (tree.active_conversations ?? {}) as Record<string, unknown>;
    const live = this.liveCall(callSid);
    const read = (conversationId: string) =>
      conversations[conversationId]
        ? Object.entries(
            salvageConversation(conversations[conversationId], '').conversation.messages,
          )
            // As the dashboard reads it (orderByKey): by code unit, never localeCompare.
            .sort(([a], [b]) => keyOrder(a, b))
            .map(([, m]) => m)
        : [];
    if (live) return { where: 'live', messages: read(live.call.conversation_id) };
    const archived = this.archivedPlans(callSid).flatMap((plan) => [
      ...plan.conversation.messages,
      ...plan.pages.flat(),
    ]);
    const orphans = [...this.track(callSid).callIds].flatMap((id) => read(conversationIdOf(id)));
    return {
      where: orphans.length > 0 ? 'archive and an orphan live conversation' : 'archive',
      messages: [...archived, ...orphans],
    };
  }

  /** I3 as far as it can be known mid-run: nothing said twice, nothing said that was not sent. */
  private checkTranscripts(complete: boolean) {
    for (const call of this.world.calls.values()) {
      const track = this.track(call.callSid);
      const { where, messages } = this.transcript(call.callSid);
      const users = countBy(messages.filter((m) => m.role === 'user').map((m) => m.content.trim()));
      const answered = countBy(track.answered.map((a) => a.words));
      for (const [words, n] of users) {
        if (n > (answered.get(words) ?? 0))
          this.violate(
            'I3.utterance-once',
            call.callSid,
            `"${words}" is in the ${where} transcript ${n} time(s); the webhook answered it ${answered.get(words) ?? 0} time(s)`,
          );
      }
      if (complete) {
        for (const [words, n] of answered) {
          if ((users.get(words) ?? 0) < n)
            this.violate(
              'I3.utterance-once',
              call.callSid,
              `"${words}" was answered ${n} time(s) but is in the ${where} transcript ${users.get(words) ?? 0} time(s)`,
            );
        }
      }
      const sent = countBy(call.sent);
      // Words transcribed from the conference (spoken) were not sent to Twilio: I9 is about them.
      const spoken = countBy(claimedSaid(messages).map((m) => m.content));
      for (const [line, n] of spoken) {
        if (n > (sent.get(line) ?? 0))
          this.violate(
            'I3.only-what-was-said',
            call.callSid,
            `the ${where} transcript says "${line}" ${n} time(s); it was sent to Twilio ${sent.get(line) ?? 0} time(s)`,
          );
      }
      const fromHumans = countBy(
        messages
          .filter((m) => m.spoken && (m.role === 'admin' || m.role === 'oncall'))
          .map((m) => humanKey(m.by ?? '?', m.content.trim())),
      );
      for (const [key, n] of fromHumans) {
        const heard = track.heardFromHumans.get(key) ?? 0;
        if (n > heard) {
          const [who, words] = key.split('\n');
          this.violate(
            'I9.only-heard-words',
            call.callSid,
            `the ${where} transcript has ${who} saying "${words}" ${n} time(s); the caller heard it ${heard} time(s)`,
          );
        }
      }
    }
  }

  /**
   * I8: at rest between callbacks, a caller in the conference hears a human there, or Aurora
   * answers them there for the listeners who joined (nobody holds the call, and the call as
   * stored has the caller in: what steps/conferenceReply.ts answers on). Beside a holder, who
   * has no voice there, muted listeners are no company.
   */
  private checkNeverAlone() {
    if (!this.world.quiescent) return;
    for (const call of this.world.calls.values()) {
      if (call.state !== 'conference') continue;
      if (this.world.voiceNet.heardBy(call).length > 0) continue;
      const conference = call.conference
        ? this.world.voiceNet.conferences.get(call.conference)
        : undefined;
      const listeners = conference?.running
        ? [...conference.participants.keys()].filter((sid) => this.world.voiceNet.legs.has(sid))
        : [];
      const live = this.liveCall(call.callSid)?.call;
      const auroraAnswers = !!live?.conference?.caller_in && live.mode !== 'human';
      if (auroraAnswers && listeners.length > 0) continue;
      const others = conference
        ? [...conference.participants.entries()]
            .filter(([sid]) => sid !== call.callSid)
            .map(([, p]) => (p.muted ? 'a muted listener' : 'someone'))
        : [];
      const why = !live
        ? ' (no live call)'
        : live.mode === 'human'
          ? ` (${live.admin_id} holds the call)`
          : !live.conference?.caller_in
            ? ' (nobody holds the call, but it does not have the caller in: Aurora does not answer)'
            : '';
      this.violate(
        'I8.never-alone',
        call.callSid,
        conference
          ? `the caller is in the conference with ${others.length > 0 ? others.join(' and ') : 'nobody'}${others.length > 0 ? why : ''} and every callback has been delivered`
          : 'the caller is out of the conference, yet nothing was run on their call',
      );
    }
  }

  // ---- Aurora answering in the conference (issue 24, point 3) ----

  /** What a caller's transcription callback is judged against: taken just before it is delivered. */
  beforeCallerWords(callSid: string): CallerWordsBefore {
    const live = this.liveCall(callSid)?.call;
    return {
      auroraAnswers: !!live?.conference?.caller_in && live.mode !== 'human',
      accepted: this.world.voice.announcements.length,
      ...this.replyNotes(callSid),
    };
  }

  /** The transcript's lines that account for a reply of Aurora's not said: not spoken, or overtaken by a take. */
  private replyNotes(callSid: string) {
    const { messages } = this.transcript(callSid);
    const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
    return {
      notSpoken: system.filter((line) => line.startsWith(REPLY_NOT_SPOKEN)).length,
      overtaken: system.filter((line) => line.startsWith(OVERTAKEN)).length,
    };
  }

  /**
   * I10, once a caller's transcription callback is answered (the functions answer it only once
   * Aurora's reply is done, calls/transcription.ts): words recorded, on their first recording,
   * while the call as stored had the caller in the conference and nobody holding it, got her
   * reply announced (Twilio accepted it), a line that it was not spoken, or, taken meanwhile, the
   * reply recorded as possibly unheard.
   */
  private auroraAnsweredListened(
    request: { callSid: string; words: string },
    before: CallerWordsBefore,
  ) {
    const accepted = this.world.voice.announcements.length - before.accepted;
    const after = this.replyNotes(request.callSid);
    const how =
      accepted > 0
        ? 'announced'
        : after.notSpoken > before.notSpoken
          ? 'not spoken (said so)'
          : after.overtaken > before.overtaken
            ? 'overtaken by a take'
            : null;
    if (how) return this.world.count(`Aurora answered in the conference: ${how}`);
    this.violate(
      'I10.aurora-answers-listened',
      request.callSid,
      `"${request.words.trim()}" was recorded in the conference while nobody held the call; Aurora's reply was neither announced nor said to be unspoken`,
    );
  }

  /**
   * I10, for a turn whose answer Twilio dropped because a listener's join moved the caller into
   * the conference meanwhile (nobody holding): Aurora answers only words transcribed there, so the
   * caller's words at the Gather got her reply announced into the conference, or a transcript
   * line that it was not spoken (never the dropped answer recorded as said: I3 by other means).
   */
  private auroraAnsweredMovedIn(
    request: { callSid: string; words: string },
    before: CallerWordsBefore,
  ) {
    const accepted = this.world.voice.announcements.length - before.accepted;
    const after = this.replyNotes(request.callSid);
    if (accepted > 0)
      return this.world.count('Aurora answered a Gather cut off by a move-in: announced');
    if (after.notSpoken > before.notSpoken)
      return this.world.count(
        'Aurora answered a Gather cut off by a move-in: not spoken (said so)',
      );
    this.violate(
      'I10.aurora-answers-listened',
      request.callSid,
      `${request.words.trim() === '' ? 'a silence' : `"${request.words.trim()}"`} was answered at a Gather while a listener's join moved the caller into the conference nobody held; Twilio dropped the answer, and it was neither announced there nor said to be unspoken`,
    );
  }

  /**
   * Twilio plays Aurora's reply into the caller's conference (its AnnounceUrl answered): I2, she
   * never speaks while a human holds the call.
   */
  auroraAnnounced(callerSid: string, says: string[]) {
    this.world.count("Aurora's reply played into the conference");
    const live = this.liveCall(callerSid)?.call;
    if (live?.mode === 'human' && says.length > 0)
      this.violate(
        'I2.silent-while-held',
        callerSid,
        `Aurora's reply "${says.join(' ')}" was announced into the conference while ${live.admin_id} holds the call`,
      );
  }

  // ---- Escalation and the alarm ----

  private awaitingEscalation(): Track[] {
    return [...this.tracks.values()].filter(
      (t) =>
        t.criticalSince !== undefined &&
        !t.acknowledged &&
        !t.escalated &&
        !this.reported.has(`I1.escalated ${t.callSid}`),
    );
  }

  /** The next instant an escalation must have happened by, for the scheduler to look then. */
  nextEscalationDeadline(): number | undefined {
    const bound = escalationBoundMs(this.world.deps.settings.escalation.afterSeconds);
    const deadlines = this.awaitingEscalation().map((t) => t.criticalSince! + bound);
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  private checkEscalations() {
    const bound = escalationBoundMs(this.world.deps.settings.escalation.afterSeconds);
    for (const track of this.awaitingEscalation()) {
      if (this.now - track.criticalSince! >= bound) {
        const live = this.liveCall(track.callSid);
        this.violate(
          'I1.escalated',
          track.callSid,
          `CRITICAL since ${new Date(track.criticalSince!).toISOString()}, unacknowledged, not escalated ${bound / 1000} s later (the call is ${live ? `${live.call.status}, ${live.call.mode}` : 'no longer live'})`,
        );
      }
    }
  }

  private checkAlarms() {
    const tree = this.world.db.memory.tree;
    const alerts = Object.entries(
      ((tree.admin_alerts as Record<string, unknown> | undefined)?.[WATCHING_ADMIN] ??
        {}) as Record<string, Alert>,
    ).map(([id, alert]) => ({ id, ...alert }));
    const rows = ((tree.live_summary as Record<string, unknown> | undefined)?.calls ??
      {}) as Record<string, SummaryRow | { gone_at: number }>;
    const rowOf = (id: string) =>
      rows[id] && !('gone_at' in rows[id]) ? (rows[id] as SummaryRow) : undefined;
    const alarming = new Set(alarmEntries(alerts, rowOf, new Set()).map((e) => e.callId));
    for (const track of this.tracks.values()) {
      if (track.criticalSince === undefined || track.acknowledged) continue;
      if ([...track.callIds].some((id) => alarming.has(id))) continue;
      const live = this.liveCall(track.callSid);
      const why = !live
        ? 'the call is no longer live'
        : !rowOf(live.callId)
          ? 'it has no summary row'
          : `its row is ${rowOf(live.callId)!.status}, alerts: ${
              alerts
                .filter((a) => a.call_id === live.callId)
                .map((a) => a.kind)
                .join(', ') || 'none'
            }`;
      this.violate(
        'I1.alarms',
        track.callSid,
        `CRITICAL and unacknowledged, but not in the alarm: ${why}`,
      );
    }
  }

  /** After every step: the rules that must hold at every moment. */
  async checkSafety(fanOutPending: boolean) {
    this.checkEscalations();
    if (!fanOutPending) this.checkAlarms();
    this.checkOneArchive();
    if (this.world.turnsInFlight === 0) this.checkTranscripts(false);
    this.checkNeverAlone();
  }

  private checkOneArchive() {
    const bySid = countBy([...this.world.archive.plans.values()].map((p) => p.call.call_sid));
    for (const [callSid, n] of bySid)
      if (n > 1)
        this.violate(
          'I5.one-archive',
          callSid,
          `${n} archives: ${this.archivedPlans(callSid)
            .map((p) => p.callId)
            .join(', ')}`,
        );
    for (const call of this.world.calls.values()) {
      const live = this.liveCalls(call.callSid);
      if (live.length > 1)
        this.violate(
          'I5.one-archive',
          call.callSid,
          `${live.length} live calls for one CallSid: ${live.map((l) => `${l.callId} (${l.call.status}, ${l.call.urgency})`).join(', ')}`,
        );
    }
  }

  /** At the end of a run, with every timer run out: where everything must have ended up. */
  async checkAtRest(moment: 'before acknowledgements' | 'after acknowledgements') {
    await this.checkSafety(this.world.changes.length > 0);
    for (const track of this.tracks.values()) {
      if (track.criticalSince !== undefined && !track.acknowledged && !track.escalated)
        this.violate(
          'I1.escalated',
          track.callSid,
          `CRITICAL and unacknowledged, never escalated (${moment})`,
        );
    }
    this.checkTranscripts(true);
    for (const track of this.tracks.values()) {
      const said = saidSinceFall(track);
      const live = this.liveCall(track.callSid);
      const recorded = live
        ? live.call.urgency
        : highest(this.archivedPlans(track.callSid).map((p) => p.call.urgency));
      if (track.answered.length > 0 && rank[recorded] < rank[said]) {
        this.violate(
          'I4.urgency-floor',
          track.callSid,
          `the ${live ? 'live call' : 'archive'} says ${recorded}; the words answered (${track.answered.map((a) => `"${a.words}"`).join(', ')}) say ${said}`,
        );
      }
    }
    if (moment === 'after acknowledgements') this.checkNothingLeft();
  }

  private checkNothingLeft() {
    const tree = this.world.db.memory.tree;
    const conversations = (tree.active_conversations ?? {}) as Record<string, unknown>;
    const rows = ((tree.live_summary as Record<string, unknown> | undefined)?.calls ??
      {}) as Record<string, object>;
    for (const call of this.world.calls.values()) {
      if (call.state !== 'ended') continue;
      const track = this.track(call.callSid);
      const live = this.liveCall(call.callSid);
      const left = [
        ...(live
          ? [
              `${paths.call(live.callId)} (${live.call.status}, ${live.call.urgency}${isAcknowledged(live.call) ? ', acknowledged' : ', unacknowledged'})`,
            ]
          : []),
        ...[...track.callIds]
          .filter((id) => conversations[conversationIdOf(id)])
          .map((id) => paths.conversation(conversationIdOf(id))),
        ...[...track.callIds]
          .filter((id) => rows[id] && !('gone_at' in rows[id]))
          .map((id) => `${paths.liveSummary}/calls/${id}`),
      ];
      if (left.length > 0)
        this.violate(
          'I5.nothing-left',
          call.callSid,
          `ended at Twilio (${call.endedBy}), yet still live: ${left.join(', ')}`,
        );
    }
  }
}
