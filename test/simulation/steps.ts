/**
 * What can happen at the site, one step at a time: calls ringing, callers speaking, going
 * silent and hanging up, Twilio's requests late, twice or out of order, supervisors acting
 * (typing, or by voice: talking, listening, ringing their phone or the on-call person into the
 * call's conference), the people on those legs answering, speaking and hanging up, time
 * passing, and a fault in any port. Each step is plain data with a constructor that reads
 * like what happens (`speak(0, 'there is a fire')`), so a shrunk counterexample prints as a
 * regression test; the generator draws them, and fast-check runs them as model-based commands.
 */
import fc from 'fast-check';
import { AuroraError } from '../../functions/src/core/errors';
import type { Urgency } from '@aurora/model';
import type { DbOp } from './ports';
import type { CallState } from './twilio';
import type { PhoneAnswer } from './voice';
import { World, type AdminAction, type AdminName, type During, type Slot } from './world';

export type { AdminAction, PhoneAnswer };
export type DialStatus = 'completed' | 'no-answer' | 'busy' | 'failed';

export type Fault =
  /** The live database's next `count` operations of a kind fail (once `after` more have succeeded). */
  | { port: 'database'; op: DbOp | 'any'; count: number; after?: number }
  /** Twilio refuses the next REST request (a call update, a hang-up). */
  | { port: 'twilio-refuses' }
  /** Texts to an on-call number are refused (or accepted again). */
  | { port: 'sms'; number: 0 | 1; failing: boolean }
  /** Firestore refuses the next archive writes. */
  | { port: 'archive'; count: number }
  /** Cloud Tasks refuses the next enqueues. */
  | { port: 'queue'; count: number }
  /** The model fails its next answers (transient errors are retried once by the responder). */
  | { port: 'model'; count: number; transient: boolean }
  /** The responder itself throws on its next answers (takeTurn must fall back to the offline one). */
  | { port: 'responder'; count: number }
  /** The database trigger delivers its next changes twice, or its next batch in reverse order. */
  | { port: 'fan-out'; mode: 'twice' | 'reversed' }
  /** Tasks enqueued from now run 30 s late, at once (ignoring their delay), or on time again. */
  | { port: 'tasks'; mode: 'late' | 'early' | 'on-time' }
  /** Twilio's next status callbacks are held back (delivered by a later `deliver`). */
  | { port: 'status-callbacks'; hold: number };

export type Step =
  | { kind: 'ring'; slot: Slot; twice?: boolean }
  | {
      kind: 'speak';
      slot: Slot;
      words: string;
      partial?: string;
      model?: Urgency;
      during?: During;
      replay?: boolean;
    }
  | {
      kind: 'hangUp';
      slot: Slot;
      lastWords?: string;
      turnFirst?: boolean;
      hold?: boolean;
      progressAfter?: boolean;
      /** In the conference: Twilio requests the caller's <Dial action> too (CallStatus completed). */
      dialAction?: boolean;
    }
  | { kind: 'deliver'; pick: number; twice?: boolean }
  /**
   * `who` 'holder': whoever holds the call (ana, taking it first, when nobody does). `retried`:
   * Twilio asked the browser leg's Voice URL twice (Talk, Listen).
   */
  | {
      kind: 'admin';
      slot: Slot;
      who: AdminName | 'holder';
      action: AdminAction;
      to?: string;
      retried?: boolean;
    }
  /** The `pick`th phone still ringing (Call me, Transfer) answers so. */
  | { kind: 'phone'; pick: number; answer: PhoneAnswer }
  /** The caller, in the conference, says `words` (their transcription callback late, or sent twice). */
  | { kind: 'talk'; slot: Slot; words: string; late?: boolean; twice?: boolean }
  /** The person on the `pick`th live human leg says `words` (its transcription callback late, when told). */
  | { kind: 'human'; pick: number; words: string; late?: boolean }
  /** The person on the `pick`th live human leg hangs up (or the line drops). */
  | { kind: 'humanHangsUp'; pick: number }
  | { kind: 'bridgeEnds'; slot: Slot; status: DialStatus }
  | { kind: 'wait'; seconds: number }
  | { kind: 'tasks'; newestFirst?: boolean; twice?: boolean }
  | { kind: 'sweep' }
  | { kind: 'fault'; fault: Fault };

// ---- The steps as a regression test writes them ----

type Options<K extends Step['kind'], Omitted extends string> = Omit<
  Extract<Step, { kind: K }>,
  'kind' | Omitted
>;

/** Twilio's incoming-call webhook for call `slot` (0 and 2: worker_001's number, 1: an unknown one). */
export const ring = (slot: Slot, options: Options<'ring', 'slot'> = {}): Step => ({
  kind: 'ring',
  slot,
  ...options,
});
/** The caller says `words` (stable partial words first, if given; the model judges them `model`). */
export const speak = (
  slot: Slot,
  words: string,
  options: Options<'speak', 'slot' | 'words'> = {},
): Step => ({ kind: 'speak', slot, words, ...options });
/** The caller's Gather hears nothing. */
export const silence = (slot: Slot, options: Options<'speak', 'slot' | 'words'> = {}): Step =>
  speak(slot, '', options);
export const hangUp = (slot: Slot, options: Options<'hangUp', 'slot'> = {}): Step => ({
  kind: 'hangUp',
  slot,
  ...options,
});
/** Twilio delivers the `pick`th request it held back. */
export const deliver = (pick = 0, options: Options<'deliver', 'pick'> = {}): Step => ({
  kind: 'deliver',
  pick,
  ...options,
});
export const admin = (
  slot: Slot,
  who: AdminName | 'holder',
  action: AdminAction,
  options: Options<'admin', 'slot' | 'who' | 'action'> = {},
): Step => ({ kind: 'admin', slot, who, action, ...options });
/** A phone rung into the conference answers (pressing 1, 2 or nothing), or is busy, unanswered, failed. */
export const phone = (pick: number, answer: PhoneAnswer): Step => ({ kind: 'phone', pick, answer });
/** The caller says `words` in the conference (heard by their transcription, not a Gather). */
export const talk = (
  slot: Slot,
  words: string,
  options: Options<'talk', 'slot' | 'words'> = {},
): Step => ({
  kind: 'talk',
  slot,
  words,
  ...options,
});
/** A supervisor or the on-call person says `words` on their leg. */
export const human = (
  pick: number,
  words: string,
  options: Options<'human', 'pick' | 'words'> = {},
): Step => ({ kind: 'human', pick, words, ...options });
export const humanHangsUp = (pick = 0): Step => ({ kind: 'humanHangsUp', pick });
export const bridgeEnds = (slot: Slot, status: DialStatus): Step => ({
  kind: 'bridgeEnds',
  slot,
  status,
});
export const wait = (seconds: number): Step => ({ kind: 'wait', seconds });
export const tasks = (options: Options<'tasks', never> = {}): Step => ({
  kind: 'tasks',
  ...options,
});
export const sweep = (): Step => ({ kind: 'sweep' });
export const fault = (f: Fault): Step => ({ kind: 'fault', fault: f });

/** The step's options: every field but its kind and the ones its constructor takes in order. */
const optionsOf = (step: Step, positional: string[]) =>
  Object.fromEntries(
    Object.entries(step).filter(([key]) => key !== 'kind' && !positional.includes(key)),
  );

/** A step as the code that makes it, for counterexamples and regression tests. */
export function formatStep(step: Step): string {
  const literal = (value: unknown) =>
    JSON.stringify(value)
      .replace(/"([a-zA-Z]+)":/g, '$1: ')
      .replace(/,(?=\w+: )/g, ', ')
      .replace(/"/g, "'")
      .replace(/^\{/, '{ ')
      .replace(/\}$/, ' }');
  const options = (positional: string[]) => {
    const rest = optionsOf(step, positional);
    return Object.keys(rest).length > 0 ? `, ${literal(rest)}` : '';
  };
  const words = (w: string) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  switch (step.kind) {
    case 'ring':
      return `ring(${step.slot}${options(['slot'])})`;
    case 'speak':
      return step.words === ''
        ? `silence(${step.slot}${options(['slot', 'words'])})`
        : `speak(${step.slot}, ${words(step.words)}${options(['slot', 'words'])})`;
    case 'hangUp':
      return `hangUp(${step.slot}${options(['slot'])})`;
    case 'deliver':
      return `deliver(${step.pick}${options(['pick'])})`;
    case 'admin':
      return `admin(${step.slot}, '${step.who}', '${step.action}'${options(['slot', 'who', 'action'])})`;
    case 'bridgeEnds':
      return `bridgeEnds(${step.slot}, '${step.status}')`;
    case 'phone':
      return `phone(${step.pick}, '${step.answer}')`;
    case 'talk':
      return `talk(${step.slot}, ${words(step.words)}${options(['slot', 'words'])})`;
    case 'human':
      return `human(${step.pick}, ${words(step.words)}${options(['pick', 'words'])})`;
    case 'humanHangsUp':
      return `humanHangsUp(${step.pick})`;
    case 'wait':
      return `wait(${step.seconds})`;
    case 'tasks':
      return `tasks(${options([]).slice(2)})`;
    case 'sweep':
      return 'sweep()';
    case 'fault':
      return `fault(${literal(step.fault)})`;
  }
}

// ---- Running steps ----

/** What the preconditions look at: each call's state at Twilio, the requests held back, the phones ringing and the human legs live. */
export type Model = {
  calls: Array<CallState | 'idle'>;
  held: number;
  ringing: number;
  legs: number;
};

export const modelOf = (world: World): Model => ({
  calls: [0, 1, 2].map((slot) => world.slotCall(slot as Slot)?.state ?? 'idle'),
  held: world.outbox.length,
  ringing: world.voiceNet.legsIn('ringing').length,
  legs: world.voiceNet.legsIn('answered').length,
});

/** Whether a step can happen now: a caller speaks only at a Gather, a call rings once, and so on. */
export function applicable(step: Step, model: Model): boolean {
  switch (step.kind) {
    case 'ring':
      return model.calls[step.slot] === 'idle';
    case 'speak':
      return model.calls[step.slot] === 'gather';
    case 'hangUp':
      return ['gather', 'bridged', 'conference'].includes(model.calls[step.slot]);
    case 'talk':
      return model.calls[step.slot] === 'conference';
    case 'phone':
      return model.ringing > 0;
    case 'human':
    case 'humanHangsUp':
      return model.legs > 0;
    case 'bridgeEnds':
      return model.calls[step.slot] === 'bridged';
    case 'admin':
      return model.calls[step.slot] !== 'idle';
    case 'deliver':
      return model.held > 0;
    default:
      return true;
  }
}

const ON_CALL = ['+15550190001', '+15550190002'] as const;

function applyFault(world: World, f: Fault) {
  switch (f.port) {
    case 'database':
      return world.db.failNext(f.op, f.count, f.after ?? 0);
    case 'twilio-refuses':
      return void (world.voice.refuseNext = new AuroraError('Twilio error 20003: Authenticate', {
        retryable: true,
      }));
    case 'sms':
      return void (f.failing
        ? world.sms.failing.add(ON_CALL[f.number])
        : world.sms.failing.delete(ON_CALL[f.number]));
    case 'archive':
      return void (world.archive.failNextWrites += f.count);
    case 'queue':
      return void (world.tasks.failNext += f.count);
    case 'model':
      world.chat.failNext += f.count;
      world.chat.failTransient = f.transient;
      return;
    case 'responder':
      return void (world.responderFailures += f.count);
    case 'fan-out':
      if (f.mode === 'twice') world.fanOutTwice += 3;
      else world.fanOutReversed = true;
      return;
    case 'tasks':
      world.tasks.lateBySeconds = f.mode === 'late' ? 30 : 0;
      world.tasks.ignoreDelays = f.mode === 'early';
      return;
    case 'status-callbacks':
      return void (world.holdStatusCallbacks += f.hold);
  }
}

/** Runs one step against the world, then lets the trigger deliver and the safety invariants look. */
export async function runStep(world: World, step: Step): Promise<void> {
  world.beginStep(formatStep(step));
  world.count('step');
  const leaving =
    step.kind === 'humanHangsUp' || (step.kind === 'admin' && step.action === 'leave');
  const listened = leaving ? world.listenedToAurora() : new Set<string>();
  switch (step.kind) {
    case 'ring':
      await world.ring(step.slot, !!step.twice);
      break;
    case 'speak':
      await world.speak(step.slot, step.words, step);
      break;
    case 'hangUp':
      await world.hangUp(step.slot, step);
      break;
    case 'deliver':
      await world.deliver(step.pick, !!step.twice);
      break;
    case 'admin':
      await world.admin(step.slot, step.who, step.action, { to: step.to, retried: step.retried });
      break;
    case 'phone':
      await world.phoneAnswers(step.pick, step.answer);
      break;
    case 'talk':
      await world.callerTalks(step.slot, step.words, step);
      break;
    case 'human':
      await world.humanLeg(step.pick, { says: step.words, late: !!step.late });
      break;
    case 'humanHangsUp':
      await world.humanLeg(step.pick, 'hangs-up');
      break;
    case 'bridgeEnds':
      await world.bridgeEnds(world.slotCall(step.slot)!, step.status);
      break;
    case 'wait':
      await world.advance(step.seconds * 1000);
      break;
    case 'tasks':
      await world.runDueTasks(step.newestFirst ? 'newest-first' : 'in-order', !!step.twice);
      break;
    case 'sweep':
      await world.sweep();
      break;
    case 'fault':
      applyFault(world, step.fault);
      break;
  }
  await world.flushCallbacks();
  await world.settle();
  for (const sid of listened)
    if (world.calls.get(sid)?.state === 'gather')
      world.count('the last listener left: the caller is back at a Gather');
}

// ---- Generating steps ----

/** What callers say, with the urgency the offline triage gives each (see invariants.triageOf). */
export const UTTERANCES = [
  'there is a fire in the paint store', // CRITICAL
  'No, there is a fire in the store.', // CRITICAL, yet "no there is a fire in the store" is NORMAL
  'my colleague is not breathing', // CRITICAL
  'I cut my hand and it is bleeding', // CRITICAL
  'someone is trapped in the freezer', // CRITICAL
  'Es brennt im Lager', // CRITICAL, in German
  'there is a chemical spill in bay 3', // URGENT
  'I twisted my ankle', // URGENT
  'hello', // NORMAL
  'no there is a fire in the store', // NORMAL
  'is there a fire drill today?', // NORMAL
  'a forklift hit the racking, nobody is hurt', // NORMAL
  'Hallo, alles gut', // NORMAL
  'gary collapsed in the canteen', // CRITICAL on unsure words: provisional, Aurora asks if he is awake
  'yes he is awake and talking now', // NORMAL; as the answer to that question, lowers the call to URGENT
  'it is only the drill', // NORMAL; as the answer to "is this a drill", lowers the call to NORMAL
] as const;

/** Words as a recogniser's stable partial results give them: lower case, no punctuation. */
const asPartial = (words: string) =>
  words
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Mostly the first call, so that most runs are one call told fully, with others overlapping it. */
const slot = fc.constantFrom<Slot>(0, 0, 0, 1, 2);
const utterance = fc.constantFrom(...UTTERANCES);
const during = fc.constantFrom<During>(
  'deadline',
  'twilio-retries',
  'caller-hangs-up',
  'tasks',
  'sweep',
  'wait-10s',
  'take',
  'ack',
  'release',
  'say',
  'end',
  'bridge',
  'talk',
  'listen',
);
/** `arb` in `percent` of cases, else undefined (which is where shrinking goes). */
const maybe = <T>(arb: fc.Arbitrary<T>, percent: number) =>
  fc.oneof(
    { weight: 100 - percent, arbitrary: fc.constant(undefined) },
    { weight: percent, arbitrary: arb },
  );

const speakStep = fc
  .record({
    slot,
    words: utterance,
    partial: fc.oneof(
      { weight: 4, arbitrary: fc.constant('none' as const) },
      { weight: 3, arbitrary: fc.constant('same' as const) },
      { weight: 1, arbitrary: fc.constant('prefix' as const) },
      { weight: 1, arbitrary: utterance },
    ),
    model: fc.constantFrom<Urgency>('NORMAL', 'NORMAL', 'URGENT', 'CRITICAL'),
    during: maybe(during, 25),
  })
  .map(({ slot: sl, words, partial, model, during: d }): Step => {
    const stable =
      partial === 'none'
        ? undefined
        : partial === 'same'
          ? asPartial(words)
          : partial === 'prefix'
            ? asPartial(words).split(' ').slice(0, 3).join(' ')
            : asPartial(partial);
    return speak(sl, words, {
      ...(stable ? { partial: stable } : {}),
      ...(model !== 'NORMAL' ? { model } : {}),
      ...(d ? { during: d } : {}),
    });
  });

const replayStep = fc
  .record({ slot, words: utterance })
  .map(({ slot: sl, words }) => speak(sl, words, { replay: true }));
const silenceStep = fc
  .record({
    slot,
    during: maybe(
      fc.constantFrom<During>('take', 'caller-hangs-up', 'tasks', 'listen', 'deadline'),
      12,
    ),
  })
  .map(({ slot: sl, during: d }) => silence(sl, d ? { during: d } : {}));

const hangUpStep = fc
  .record({
    slot,
    lastWords: maybe(utterance, 50),
    turnFirst: fc.boolean(),
    hold: fc.boolean(),
    progressAfter: fc.boolean(),
    dialAction: fc.boolean(),
  })
  .map(({ slot: sl, lastWords, turnFirst, hold, progressAfter, dialAction }) =>
    hangUp(sl, {
      ...(lastWords ? { lastWords } : {}),
      ...(lastWords && turnFirst ? { turnFirst } : {}),
      ...(hold ? { hold } : {}),
      ...(progressAfter ? { progressAfter } : {}),
      ...(dialAction ? { dialAction } : {}),
    }),
  );

/** Mostly the holder speaks, bridges and hands back (ana takes the call first if nobody holds it); anyone else is refused, tried now and then. */
const adminStep = fc
  .record({
    slot,
    who: fc.constantFrom<AdminName | 'holder'>('ana', 'ben', 'holder', 'holder', 'holder'),
    action: fc.constantFrom<AdminAction>(
      'ack',
      'ack',
      'take',
      'take',
      'release',
      'say',
      'say',
      'bridge',
      'end',
    ),
    to: fc.constantFrom('+15550190001', '+15550190001', '+15559999999'),
  })
  .map(({ slot: sl, who, action, to }) => {
    const by = who === 'holder' && !['say', 'release', 'bridge'].includes(action) ? 'ana' : who;
    return admin(sl, by, action, action === 'bridge' && to !== '+15550190001' ? { to } : {});
  });

/**
 * By voice: Talk and Listen from the browser, Call me, Transfer, Mute, Speak up, Leave, and
 * typing or handing back meanwhile, drawn from `actions` (a repeated action is likelier).
 */
const voiceStepOf = (actions: AdminAction[]) =>
  fc
    .record({
      slot,
      who: fc.constantFrom<AdminName | 'holder'>('ana', 'ben', 'holder', 'holder'),
      action: fc.constantFrom(...actions),
      to: fc.constantFrom('+15550190001', '+15550190001', '+15550190002', '+15559999999'),
      retried: maybe(fc.constant(true), 10),
    })
    // Whoever holds the call talks; the other one mostly listens, and unmutes to barge in.
    .map(({ slot: sl, who, action, to, retried }) =>
      admin(sl, who === 'holder' && ['listen', 'unmute'].includes(action) ? 'ben' : who, action, {
        ...(action === 'transfer' && to !== '+15550190001' ? { to } : {}),
        ...((action === 'talk' || action === 'listen') && retried ? { retried } : {}),
      }),
    );
const voiceStep = voiceStepOf([
  'talk',
  'talk',
  'talk',
  'listen',
  'listen',
  'callme',
  'callme',
  'transfer',
  'transfer',
  'mute',
  'unmute',
  'unmute',
  'leave',
  'leave',
  'say',
  'release',
]);

/**
 * Listening to a call nobody holds (issue 24, point 3): the listener's join moves the caller into
 * the conference, where Aurora answers them; another listens too, one speaks up (which takes the
 * call), or they leave, the last of them returning the caller to Aurora's Gather. Not the holder:
 * with nobody holding the call, these are the listens Aurora answers through.
 */
const listenToAuroraStep = fc
  .record({
    slot: fc.constantFrom<Slot>(0, 0, 0, 1),
    who: fc.constantFrom<AdminName>('ana', 'ben'),
    action: fc.constantFrom<AdminAction>('listen', 'listen', 'listen', 'unmute', 'leave', 'leave'),
  })
  .map(({ slot: sl, who, action }) => admin(sl, who, action));

/** What the supervisors and the on-call person say on their legs. */
export const HUMAN_LINES = [
  'I am here with you, stay on the line.',
  'Can you tell me exactly where you are?',
  'Ana, I will take it from here.',
] as const;

const phoneStep = fc
  .record({
    pick: fc.nat({ max: 2 }),
    answer: fc.constantFrom<PhoneAnswer>(
      'presses-1',
      'presses-1',
      'presses-1',
      'presses-1',
      'presses-2',
      'presses-nothing',
      'busy',
      'no-answer',
      'failed',
    ),
  })
  .map(({ pick, answer }) => phone(pick, answer));

const talkStep = fc
  .record({
    slot,
    words: utterance,
    late: maybe(fc.constant(true), 15),
    twice: maybe(fc.constant(true), 15),
  })
  .map(({ slot: sl, words, late, twice }) =>
    talk(sl, words, { ...(late ? { late } : {}), ...(twice ? { twice } : {}) }),
  );

const faultStep = fc
  .oneof(
    {
      weight: 5,
      arbitrary: fc
        .record({
          port: fc.constant('database' as const),
          op: fc.constantFrom<DbOp | 'any'>('get', 'update', 'transact', 'any'),
          count: fc.constantFrom(1, 1, 2, 5),
          after: fc.nat({ max: 12 }),
        })
        .map(({ after, ...f }) => (after > 0 ? { ...f, after } : f)),
    },
    { weight: 1, arbitrary: fc.constant({ port: 'twilio-refuses' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('sms' as const),
        number: fc.constantFrom<0 | 1>(0, 1),
        failing: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ port: fc.constant('archive' as const), count: fc.constantFrom(1, 3) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ port: fc.constant('queue' as const), count: fc.constantFrom(1, 3) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('model' as const),
        count: fc.constantFrom(1, 2),
        transient: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('responder' as const),
        count: fc.constantFrom(1, 2),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('fan-out' as const),
        mode: fc.constantFrom('twice' as const, 'reversed' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('tasks' as const),
        mode: fc.constantFrom('late' as const, 'early' as const, 'on-time' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        port: fc.constant('status-callbacks' as const),
        hold: fc.constantFrom(1, 2),
      }),
    },
  )
  .map((f) => fault(f as Fault));

/** Every kind of step, weighted towards what a call mostly is: people talking. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: slot.chain((s) => fc.boolean().map((twice) => ring(s, twice ? { twice } : {}))),
  },
  { weight: 9, arbitrary: speakStep },
  { weight: 1, arbitrary: replayStep },
  { weight: 3, arbitrary: silenceStep },
  { weight: 2, arbitrary: hangUpStep },
  {
    weight: 3,
    arbitrary: fc
      .record({ pick: fc.nat({ max: 3 }), twice: fc.boolean() })
      .map(({ pick, twice }) => deliver(pick, twice ? { twice } : {})),
  },
  { weight: 5, arbitrary: adminStep },
  {
    weight: 2,
    arbitrary: fc
      .record({
        slot,
        status: fc.constantFrom<DialStatus>('completed', 'no-answer', 'busy', 'failed'),
      })
      .map(({ slot: sl, status }) => bridgeEnds(sl, status)),
  },
  { weight: 3, arbitrary: fc.constantFrom(1, 5, 15, 30, 61, 120, 300, 600).map(wait) },
  {
    weight: 2,
    arbitrary: fc
      .record({ newestFirst: fc.boolean(), twice: fc.boolean() })
      .map(({ newestFirst, twice }) =>
        tasks({ ...(newestFirst ? { newestFirst } : {}), ...(twice ? { twice } : {}) }),
      ),
  },
  { weight: 1, arbitrary: fc.constant(sweep()) },
  { weight: 3, arbitrary: faultStep },
  // Lightly: voiceStepArbitrary is where the conference is explored in depth.
  { weight: 4, arbitrary: voiceStep },
  { weight: 1, arbitrary: listenToAuroraStep },
  { weight: 3, arbitrary: phoneStep },
  { weight: 3, arbitrary: talkStep },
  {
    weight: 2,
    arbitrary: fc
      .record({
        pick: fc.nat({ max: 2 }),
        words: fc.constantFrom(...HUMAN_LINES),
        late: maybe(fc.constant(true), 20),
      })
      .map(({ pick, words, late }) => human(pick, words, late ? { late } : {})),
  },
  { weight: 1, arbitrary: fc.nat({ max: 2 }).map(humanHangsUp) },
);

/**
 * The same steps weighted towards a call's voice conference: a call or two, supervisors talking,
 * listening, ringing phones into it and leaving, the people on the legs speaking and hanging up,
 * Twilio's callbacks late or twice, and faults, so that each run reaches the conference and
 * what can go wrong in it (a mixed run rarely has a fault land while humans talk).
 */
export const voiceStepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Slot>(0, 0, 0, 1).map((s) => ring(s)) },
  { weight: 3, arbitrary: speakStep },
  { weight: 2, arbitrary: hangUpStep },
  {
    weight: 3,
    arbitrary: fc
      .record({ pick: fc.nat({ max: 3 }), twice: fc.boolean() })
      .map(({ pick, twice }) => deliver(pick, twice ? { twice } : {})),
  },
  { weight: 1, arbitrary: adminStep },
  { weight: 2, arbitrary: fc.constantFrom(1, 5, 30, 61, 300).map(wait) },
  { weight: 1, arbitrary: fc.constant(tasks()) },
  { weight: 4, arbitrary: faultStep },
  {
    weight: 12,
    arbitrary: voiceStepOf([
      'talk',
      'talk',
      'talk',
      'talk',
      'listen',
      'listen',
      'listen',
      'callme',
      'callme',
      'transfer',
      'transfer',
      'mute',
      'unmute',
      'unmute',
      'leave',
      'leave',
      'say',
      'release',
    ]),
  },
  { weight: 5, arbitrary: listenToAuroraStep },
  { weight: 5, arbitrary: phoneStep },
  { weight: 5, arbitrary: talkStep },
  {
    weight: 4,
    arbitrary: fc
      .record({
        pick: fc.nat({ max: 2 }),
        words: fc.constantFrom(...HUMAN_LINES),
        late: maybe(fc.constant(true), 20),
      })
      .map(({ pick, words, late }) => human(pick, words, late ? { late } : {})),
  },
  { weight: 2, arbitrary: fc.nat({ max: 2 }).map(humanHangsUp) },
);
