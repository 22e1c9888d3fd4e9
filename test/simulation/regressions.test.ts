/**
 * Every counterexample the safety simulation found, shrunk, as a plain test: the calls and
 * faults, then the invariant that must hold. `holds` replays the steps in a fresh simulated
 * site (test/simulation/world.ts) and fails with the story of the run when the invariant breaks.
 * A new counterexample from `npm test` or `npm run simulate` is pasted here as it prints.
 */
import { describe, expect, it } from 'vitest';
import type { InvariantCode } from './invariants';
import { replay } from './simulate';
import {
  admin,
  bridgeEnds,
  deliver,
  fault,
  hangUp,
  human,
  humanHangsUp,
  ring,
  silence,
  speak,
  sweep,
  talk,
  tasks,
  wait,
  type Step,
} from './steps';

async function holds(invariant: InvariantCode, steps: Step[]) {
  const run = await replay(steps, { only: invariant });
  expect(run.violations, run.story.join('\n')).toEqual([]);
}

const FIRE = 'there is a fire in the paint store';

describe('found on the code of 7b1c4e5 (the defects the brief named, and the bridge), fixed in the working tree since', () => {
  it('does not hang up on a silent CRITICAL caller after three silent turns', () =>
    holds('I2.no-hangup', [ring(0), speak(0, FIRE), silence(0), silence(0), silence(0)]));

  it('escalates a CRITICAL call nobody acknowledged after the caller hung up', () =>
    holds('I1.escalated', [ring(0), speak(0, FIRE), hangUp(0)]));

  it('keeps a CRITICAL call nobody acknowledged in the alarm after the caller hung up', () =>
    holds('I1.alarms', [ring(0), speak(0, FIRE), hangUp(0)]));

  it('triages words said while a supervisor holds the call', () =>
    holds('I4.urgency-floor', [ring(0), admin(0, 'ana', 'take'), speak(0, FIRE)]));

  it('does not answer with a reply speculated on words triaged otherwise ("no there is a fire" vs "No, there is a fire.")', () =>
    holds('I6.speculation-triage', [
      ring(0),
      speak(0, 'No, there is a fire in the store.', { partial: 'no there is a fire in the store' }),
    ]));

  it("keeps the caller's words when the turn's opening transaction fails once", () =>
    holds('I3.utterance-once', [
      ring(0),
      fault({ port: 'database', op: 'transact', count: 1 }),
      speak(0, FIRE),
    ]));

  it('archives a call once when one read fails at its status callback', () =>
    holds('I5.one-archive', [
      ring(0),
      speak(0, 'hello'),
      fault({ port: 'database', op: 'get', count: 1 }),
      hangUp(0),
    ]));

  it("records the deadline's answer, the one the caller heard, not the model's late one", () =>
    holds('I3.only-what-was-said', [ring(0), speak(0, FIRE, { during: 'deadline' })]));

  // <Dial> had no action and nothing followed it: when the leg ended, Twilio ended the call.
  it('returns the caller to the line after a bridge nobody answered', () =>
    holds('I2.bridge-returns', [
      ring(0),
      speak(0, FIRE),
      admin(0, 'holder', 'bridge'),
      bridgeEnds(0, 'no-answer'),
    ]));
});

describe('found by the simulation beyond those', () => {
  // archiveCall on a call whose purge deleted the conversation but failed to delete the call
  // node (one failed update): the task's retry plans an archive with no messages and writes it
  // over the whole one (the archive's write keeps only a plan with as many messages).
  it('keeps the archived transcript when a purge is cut short after removing the conversation', () =>
    holds('I3.utterance-once', [
      ring(0),
      speak(0, 'hello'),
      hangUp(0),
      fault({ port: 'database', op: 'update', count: 1 }),
      tasks(),
      wait(5),
    ]));

  // recordCall wrote the call node but not its CallSid index (the fourth transaction failed):
  // the caller is greeted without a call id, the next turn records the call again as `_2`,
  // and the first stays ACTIVE beside it, then is archived as a second archive.
  it('leaves one live call for a CallSid when the incoming call could only be half recorded', () =>
    holds('I5.one-archive', [
      fault({ port: 'database', op: 'transact', count: 1, after: 3 }),
      ring(0),
      speak(0, FIRE),
    ]));

  // The same half-recorded start, then Twilio retries the incoming-call webhook: the retry finds
  // no CallSid index and records a second call beside the first.
  it('leaves one live call for a CallSid when Twilio retries a half-recorded incoming call', () =>
    holds('I5.one-archive', [
      fault({ port: 'database', op: 'any', count: 1, after: 4 }),
      ring(0, { twice: true }),
    ]));

  // openTurn failed every attempt (three transactions), so the turn does not know who holds the
  // call and answers with the model while a supervisor is on the line.
  it('does not speak over a supervisor when the turn cannot read the call', () =>
    holds('I2.silent-while-held', [
      ring(0),
      admin(0, 'ana', 'take'),
      fault({ port: 'database', op: 'transact', count: 3 }),
      speak(0, FIRE),
    ]));

  // The last words arrive after the status callback and the archival: they are appended to the
  // archived transcript, but the archived call stays NORMAL; the fire never alarms or escalates.
  it('triages last words that arrive after the call was archived and purged', () =>
    holds('I4.urgency-floor', [
      ring(0),
      speak(0, 'hello'),
      hangUp(0, { lastWords: FIRE, hold: true }),
      deliver(0),
      tasks(),
      deliver(0),
    ]));

  // One failed read at the incoming call: the call is recorded late by its status callback and
  // purged; the last words' turn names no call (the greeting's Gather had no call id) and the
  // CallSid's tombstone is not followed, so the words are appended nowhere.
  it('keeps the last words of a call whose start could not be recorded, arriving after its archival', () =>
    holds('I3.utterance-once', [
      fault({ port: 'database', op: 'get', count: 1 }),
      ring(0),
      hangUp(0, { lastWords: FIRE, hold: true }),
      deliver(0),
      tasks(),
      deliver(0),
    ]));

  // The turn could not be opened (three failed transactions), so its words were written without
  // the turn's Gather marked answered; Twilio's retry of the same request opens the turn and
  // records them a second time.
  it('records a turn once when Twilio retries a request whose first attempt could not open the turn', () =>
    holds('I3.utterance-once', [
      ring(0),
      fault({ port: 'database', op: 'transact', count: 3 }),
      speak(0, FIRE, { replay: true }),
    ]));

  // A database out for a few seconds (five operations in a row fail). The incoming call and the
  // first turn (its retries and the late recording included) cannot read, or the turn's writes
  // fail all three attempts; nothing carries the words to a later webhook or retries them later.
  it('keeps the first words when the database cannot be read for the first few seconds of a call', () =>
    holds('I3.utterance-once', [
      fault({ port: 'database', op: 'get', count: 5 }),
      ring(0),
      speak(0, FIRE),
    ]));

  // The turn could not be opened (three failed transactions), its words were written without the
  // marker, and the transaction that raises the call's urgency failed too: "fire" is in the
  // transcript of a NORMAL call that never alarms or escalates.
  it("raises the call's urgency when the database refuses transactions for a few seconds during the turn", () =>
    holds('I4.urgency-floor', [
      ring(0),
      fault({ port: 'database', op: 'transact', count: 5 }),
      speak(0, FIRE),
    ]));

  it("keeps the caller's words when the database refuses writes for a few seconds during the turn", () =>
    holds('I3.utterance-once', [
      fault({ port: 'database', op: 'update', count: 5, after: 2 }),
      ring(0),
      speak(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 5000 (seed 1304087392): the database refusing five
  // transactions in a row while the incoming call is recorded outlasted its index write's three
  // attempts; the first turn then recorded the call a second time, a second later.
  it('leaves one live call for a CallSid when the database refuses the incoming call for a few seconds', () =>
    holds('I5.one-archive', [
      fault({ port: 'database', op: 'transact', count: 5, after: 3 }),
      ring(1),
      wait(1),
      speak(1, FIRE),
    ]));

  // Found by npm run simulate -- --runs 5000 (seed 1304087392, second run): the database failing
  // every operation for a few seconds from the incoming call's retry on. The turn could not read
  // the CallSid index while opening; the late recording then found the call known and recorded
  // nothing, and the words went looking for an archive that did not exist.
  it('keeps the words of a turn whose reads failed while opening, on a call that is live after all', () =>
    holds('I3.utterance-once', [
      fault({ port: 'database', op: 'any', count: 5, after: 6 }),
      ring(0, { twice: true }),
      speak(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 5000 (seed 1304087392, third run): a status callback held
  // back until after the call was ended, archived and purged, whose one read failed while it
  // looked for a call to record late: it archived a stand-in beside the call's own archive.
  it('writes no second archive when a late status callback fails one read', () =>
    holds('I5.one-archive', [
      ring(0),
      hangUp(0, { hold: true }),
      admin(0, 'ana', 'end'),
      tasks(),
      fault({ port: 'database', op: 'get', count: 1, after: 5 }),
      ring(1),
      deliver(3),
    ]));

  // The same, with the live database unreadable for the whole status callback (seed 1304087392,
  // fourth run): the stand-in archive is not written beside the call's own archive.
  it('writes no second archive when a late status callback cannot read the live database at all', () =>
    holds('I5.one-archive', [
      ring(0),
      hangUp(0, { hold: true }),
      admin(0, 'ana', 'end'),
      tasks(),
      fault({ port: 'database', op: 'get', count: 5 }),
      deliver(3),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 424242: every operation failing for a few
  // seconds during a hold; the turn could not be opened and its one read of who holds the call
  // failed too, so Aurora answered over the supervisor. That read is now retried.
  it('does not speak over a supervisor when the database fails every operation for a moment', () =>
    holds('I2.silent-while-held', [
      ring(0),
      admin(0, 'ana', 'take'),
      fault({ port: 'database', op: 'any', count: 5, after: 5 }),
      sweep(),
      speak(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 424242 (second run): a take Twilio refused
  // while Aurora was answering, whose undo met one failed database operation: the call stayed
  // held by a supervisor who was told nothing changed, and Aurora fell silent. The undo is retried.
  it('undoes a take Twilio refused even when the database fails once', () =>
    holds('I2.silent-while-held', [
      fault({ port: 'twilio-refuses' }),
      ring(0),
      fault({ port: 'database', op: 'any', count: 1, after: 4 }),
      speak(0, FIRE, { during: 'take' }),
    ]));

  // The same with five failed operations in a row (seed 424242, third run): the undo keeps trying for a few seconds.
  it('undoes a take Twilio refused while the database fails for a few seconds', () =>
    holds('I2.silent-while-held', [
      fault({ port: 'twilio-refuses' }),
      ring(0),
      fault({ port: 'database', op: 'any', count: 5, after: 4 }),
      speak(0, FIRE, { during: 'take' }),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 424242 (after about 300 s): the database
  // refused the opening transaction five times, so the first request wrote the words without
  // opening the turn, while Twilio's retry of it opened the turn and wrote them again. The
  // request that cannot open the turn now claims it on the call, as opening it would.
  it("records a caller's words once when Twilio's retry opens the turn the first request could not", () =>
    holds('I3.utterance-once', [
      ring(1),
      fault({ port: 'database', op: 'transact', count: 5, after: 2 }),
      speak(1, 'there is a fire in the paint store', { replay: true }),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 424242 (after 546 s), on the code as this
  // session found it: the call's start could not be recorded, a turn recorded it late, then one
  // refused transaction stopped that turn from opening it; taken for a call neither live nor
  // archived, the caller's words were dropped. Opening the late-recorded call is now retried.
  it('keeps the words of a turn that recorded its call late and could not open it at once', () =>
    holds('I3.utterance-once', [
      fault({ port: 'database', op: 'get', count: 2 }),
      fault({ port: 'database', op: 'any', count: 1, after: 12 }),
      ring(2),
      wait(600),
      speak(2, 'there is a fire in the paint store'),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 777 (20 s) on this first version: a
  // drill lowered the call, the model's reply raised it again, and the new rise's escalation
  // timer said nothing of its rise (the simulation kept its own copy of the task's schema): the
  // timer took itself for the first rise's and stood down. The simulation uses the trigger's
  // schema now, and a timer that does not say its rise escalates.
  it('escalates a call that rose again after a fall, on the new rise’s own timer', () =>
    holds('I1.escalated', [
      ring(0),
      speak(0, 'there is a fire in the paint store'),
      speak(0, 'it is only the drill', { model: 'CRITICAL' }),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 777 (367 s): the database refused every
  // operation while a supervisor held the call, so a silent turn could neither open nor read who
  // holds it, and Aurora asked the caller to speak, over the supervisor. A silent turn the
  // database refused now only listens.
  it('does not prompt a silent caller over a supervisor when the database refuses the turn', () =>
    holds('I2.silent-while-held', [
      ring(1),
      admin(1, 'ana', 'take'),
      fault({ port: 'database', op: 'transact', count: 5 }),
      fault({ port: 'database', op: 'get', count: 5 }),
      silence(1),
    ]));

  // Found by npm run simulate -- --seed 99. On a call a supervisor holds, the turn's write of the
  // caller's words was refused for all six attempts (about five seconds): the error was logged and
  // swallowed, and the words were in no transcript although the webhook had answered the turn.
  // They are now queued (recordWords) and written once the database takes writes again.
  it("keeps a held call's words when the database refuses the turn's write for seconds", () =>
    holds('I3.utterance-once', [
      ring(0),
      admin(0, 'ana', 'take'),
      fault({ port: 'database', op: 'update', count: 5 }),
      fault({ port: 'database', op: 'update', count: 1 }),
      speak(0, 'it is only the drill'),
    ]));
});

// The supervisor's own voice (issue 24): the simulation with conferences, human legs and
// real-time transcription in play (test/simulation/voice.ts), on the code of 26d061d and the
// working tree of the conference follow-ups as it changed. Reported to the lead, not fixed here
// (functions/ is another engineer's): each says whether it still fails.
describe('found with voice in play (issue 24)', () => {
  // Found by npm test's seed (20251004, first run, in 2 s) on 26d061d. The supervisor talking
  // with the caller presses Mute: the leaving rule (muted listeners are no company) was applied
  // when a leg left, never when one was muted, so the caller sat in a conference where nobody
  // they could hear was left. Fixed in the working tree since: Mute is refused then.
  it('does not leave the caller with only a muted supervisor when the one talking mutes', () =>
    holds('I8.never-alone', [ring(0), admin(0, 'ben', 'talk'), admin(0, 'ben', 'mute')]));

  // Found by npm test's seed (20251004) with Mute left out, as
  //   ring(0), fault({ port: 'database', op: 'transact', count: 5, after: 4 }),
  //   admin(0, 'ana', 'talk'), humanHangsUp(0);
  // and in the voice-heavy runs as ring(0), speak(0, FIRE, { during: 'talk' }),
  // fault({ port: 'database', op: 'any', count: 1 }), humanHangsUp(0). The last supervisor's leg
  // drops; its participant-leave is the only word of it (a browser leg has no status callback),
  // and one refused transaction makes the callback log and answer 200: Twilio does not send it
  // again, nothing else applies the leaving rule, and the caller waits in silence.
  it('returns the caller to Aurora when the database refuses the callback of the last human leaving', () =>
    holds('I8.never-alone', [
      ring(0),
      admin(0, 'ana', 'talk'),
      fault({ port: 'database', op: 'transact', count: 1 }),
      humanHangsUp(0),
    ]));

  // Found by the voice-weighted runs alone (runSimulation({ steps: voiceStepArbitrary, seed: 99,
  // runs: 3000 }), in 55 s). A listener's aside, said while muted, whose final transcription
  // Twilio posts a moment later, after they pressed Speak up: the callback is judged on the
  // members as stored when it arrives (core/transcription.ts unheardBecause), so words the
  // caller never heard are written as said on the call.
  it("keeps a listener's muted aside out of the transcript when its callback arrives after they unmute", () =>
    holds('I9.only-heard-words', [
      ring(0),
      admin(0, 'ana', 'talk'),
      admin(0, 'ben', 'listen'),
      human(1, 'Ana, I will take it from here.', { late: true }),
      admin(0, 'ben', 'unmute'),
    ]));

  // Found by the voice-weighted runs (seed 23, 14 s) on the working tree. The caller says
  // "fire" in the conference; Twilio's callback for it comes more than five minutes late, after
  // the conference ended. Its Timestamp is then past the clock-skew bound (MAX_CLOCK_SKEW_MS)
  // and taken as now, after the caller left, so the words are judged said outside the
  // conference ('caller-out') and dropped: neither the transcript nor the urgency has the fire.
  it('keeps, and triages, the caller’s words from the conference whose callback comes five minutes late', () =>
    holds('I3.utterance-once', [
      ring(0),
      admin(0, 'ana', 'talk'),
      talk(0, FIRE, { late: true }),
      humanHangsUp(0),
      wait(301),
      deliver(0),
    ]));

  // Found by the voice-weighted runs (seed 22, 37 s) on the working tree, where typed words are
  // announced by a key kept on the call: the announcement's one read of the call fails, so
  // Twilio is answered with nothing to say, while the transcript already has the supervisor's
  // words as said to the caller.
  it('records typed words as said into the conference only if the announcement says them', () =>
    holds('I3.only-what-was-said', [
      ring(0),
      admin(0, 'ana', 'talk'),
      fault({ port: 'database', op: 'get', count: 1, after: 1 }),
      admin(0, 'ana', 'say'),
    ]));

  // Found by npm run simulate -- --runs 3000 --seed 424242 (80 s) as ring(1), ring(0),
  // fault({ port: 'database', op: 'get', count: 5, after: 11 }), admin(1, 'ana', 'talk'),
  // admin(0, 'ana', 'talk', { retried: true }). Twilio asks the browser's Voice URL twice; the
  // first request moves the caller in, the second cannot read the call and answers "could not
  // connect you" with a hang-up, so the leg never joins. The caller's participant-join, whose
  // check of the legs would find it gone, fails on the same database: the caller waits alone.
  it('returns the caller to Aurora when the browser leg that brought them in never joins', () =>
    holds('I8.never-alone', [
      ring(0),
      fault({ port: 'database', op: 'get', count: 5, after: 2 }),
      admin(0, 'ana', 'talk', { retried: true }),
    ]));

  // Found by npm run simulate -- --runs 5000 --seed 777. The supervisor's browser leg hangs up;
  // the conference's participant-leave cannot record it (every try of the transaction is
  // refused), answers 500, and Twilio does not send it again: the caller sat alone in a silent
  // conference until the sweeper's re-check. Twilio's participant list now tells the callback
  // the caller is alone, and it ends the conference.
  it("returns the caller to Aurora when the last human's leave cannot be recorded", () =>
    holds('I8.never-alone', [
      ring(0),
      admin(0, 'ana', 'talk'),
      fault({ port: 'database', op: 'transact', count: 5, after: 1 }),
      human(0, 'I am here with you, stay on the line.'),
      humanHangsUp(0),
    ]));

  // Listening to a call nobody holds (issue 24, point 3): the listener's join moves the caller
  // into the conference, and Aurora answers their words there, announced into the conference.
  it('answers the caller in the conference a listener brought them into, by an announcement', async () => {
    const steps = [ring(0), admin(0, 'ana', 'listen'), talk(0, FIRE)];
    await holds('I10.aurora-answers-listened', steps);
    await holds('I3.only-what-was-said', steps);
    await holds('I8.never-alone', steps);
    const { story } = await replay(steps);
    expect(story.join('\n')).toMatch(/announced into the conference: "/);
  });

  // With nobody holding the call, a muted listener is company (Aurora answers there); when the
  // last one leaves, the conference ends and the caller is back at Aurora's Gather.
  it("returns the caller to Aurora's Gather when the last listener leaves", () =>
    holds('I8.never-alone', [
      ring(0),
      admin(0, 'ana', 'listen'),
      admin(0, 'ben', 'listen'),
      talk(0, 'I twisted my ankle'),
      admin(0, 'ana', 'leave'),
      humanHangsUp(0),
    ]));

  // Speaking up while listening to Aurora takes the call first: Aurora then answers no more, and
  // is never heard over the supervisor who holds it.
  it('takes the call for a listener who speaks up, and Aurora stops answering', async () => {
    const steps = [ring(0), admin(0, 'ana', 'listen'), admin(0, 'ana', 'unmute'), talk(0, FIRE)];
    await holds('I2.silent-while-held', steps);
    await holds('I8.never-alone', steps);
    const { story } = await replay(steps);
    const afterSpeakUp = story.slice(story.findIndex((line) => line.startsWith('3. ')));
    expect(afterSpeakUp.join('\n')).toMatch(/ana unmute: \{"ok":true/);
    expect(afterSpeakUp.join('\n')).not.toMatch(/announced into the conference/);
  });

  // Found by npm run simulate -- --runs 1500 --seed 777 (and --seed 99). Ana listens to Aurora,
  // then presses Talk: the take ends the conference (the caller would be with a holder who has no
  // voice there), and her browser connects before Twilio's callbacks say so. The record still had
  // the caller in, so the leg joined an empty conference by its name, and her words were recorded
  // as said to the caller. The leg is now told to try again (voiceLegs.ts endedAtTwilio).
  it('records no words from a Talk leg that joined a conference Twilio had just ended', () =>
    holds('I9.only-heard-words', [
      ring(0),
      admin(0, 'ana', 'listen'),
      admin(0, 'ana', 'talk'),
      human(0, 'I am here with you, stay on the line.'),
    ]));

  // Found by I10 on the working tree: the caller's words could not be written (six refusals in a
  // row), so the first try of their transcription callback answered nothing; Twilio's retry
  // wrote them, and answered nothing either, since only a first claim answered. Aurora now
  // answers on the try whose write records the words (calls/transcription.ts).
  it('answers the caller in the conference when the retry of their callback records their words', () =>
    holds('I10.aurora-answers-listened', [
      ring(0),
      admin(0, 'ana', 'listen'),
      fault({ port: 'database', op: 'update', count: 6 }),
      talk(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 3000 --seed 4242. The caller's words in the conference
  // were transcribed late, after they hung up; Ana's second Talk moved them in again (the record
  // dropped when they had left) and failed (they had hung up), so the callback found the caller
  // out with no time they left, judged the words said outside the conference, and lost them and
  // their CRITICAL urgency. The time the caller last left is now kept across a move in
  // (core/conference.ts conferenceChange).
  it("keeps the caller's late conference words when a Talk after their hang-up fails to move them in", async () => {
    const steps = [
      ring(0),
      admin(0, 'ana', 'talk'),
      talk(0, FIRE, { late: true }),
      hangUp(0, { hold: true }),
      admin(0, 'ana', 'talk'),
    ];
    await holds('I3.utterance-once', steps);
    await holds('I4.urgency-floor', steps);
  });

  // Found by npm run simulate -- --runs 500 --seed 3 (run 241). Twilio refuses the announcement
  // of Aurora's reply in the conference; the transcript has the reply, then "Not spoken", as it
  // must. But the reply's key ends in 'Y' and the note's, made in the same millisecond, in '_':
  // the simulation read the transcript with localeCompare, which sorts '_' before 'Y', so the
  // note came above the reply it is about. Keys are now ordered as the Realtime Database orders
  // them (by code unit: core/ids.ts keyOrder), here and where the archive appends late lines.
  it("says Aurora's reply was not spoken when Twilio refuses its announcement", () =>
    holds('I3.only-what-was-said', [
      ring(0),
      speak(0, FIRE),
      admin(0, 'ana', 'listen'),
      fault({ port: 'twilio-refuses' }),
      talk(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 500 --seed 1 (run 388). Ana talks on two browser legs;
  // the first one's participant-leave is refused by the database and Twilio does not send it
  // again (the caller still had her second leg, so nothing was ended). When the second leaves,
  // the record still counted the first as with the caller, and the leaving rule kept the caller
  // in a silent conference. A leave now checks with Twilio the legs the record still counts as
  // company (calls/conferenceEvents.ts settleLegsKeepingCompany).
  it('ends the conference when the last leg leaves after an earlier leave went unrecorded', () =>
    holds('I8.never-alone', [
      ring(0),
      admin(0, 'ana', 'talk'),
      admin(0, 'ana', 'talk'),
      fault({ port: 'database', op: 'any', count: 5, after: 5 }),
      human(0, 'I am here with you, stay on the line.'),
      humanHangsUp(0),
      humanHangsUp(0),
    ]));

  // Found by npm run simulate -- --runs 3000 --seed 4242 (run 2009). The first conference's
  // conference-start and the caller's participant-join are held back past its end and the next
  // Talk's conference: the late join recorded the caller in, and the late start pointed the call
  // at the ended conference, so the live one's participant-leave was dropped as an earlier
  // conference's and the caller was left alone. An event naming another conference than the one
  // recorded now changes the record only if Twilio lists it running under the call's name
  // (core/conference.ts ofAnotherConference).
  it('is not pointed at an ended conference by its late start, and ends the live one when the last human leaves', () =>
    holds('I8.never-alone', [
      ring(1),
      fault({ port: 'status-callbacks', hold: 2 }),
      admin(1, 'ana', 'talk'),
      humanHangsUp(0),
      deliver(3),
      admin(1, 'ana', 'talk'),
      deliver(0),
      humanHangsUp(0),
    ]));

  // Found in review of 4f54ed0. Ana listens to a call nobody holds while Aurora composes the
  // answer to the caller's words at a Gather: her join moves the caller into the conference (a
  // call update, which replaces the TwiML Twilio runs), so the answer is never played; it was
  // recorded as said, its key question opened, and the caller's words went unanswered (Aurora in
  // the conference answers only words transcribed there). It is now recorded as possibly unheard
  // and announced into the conference (core/turnPlan.ts cutOffByMove, steps/conference.ts
  // announceMovedReply).
  it("announces into the conference the answer a listener's move-in cut off", () =>
    holds('I10.aurora-answers-listened', [ring(0), speak(0, FIRE, { during: 'listen' })]));

  // Found by npm run simulate -- --runs 5000 (seed 159950212, run 4923). The database refuses five
  // operations just as Aurora's reply to the listened caller is kept for its announcement: the
  // keep failed once and was not tried again, and the "Not spoken" line was refused too, so the
  // transcript said a reply the caller never heard. Both are now tried again (steps/conference.ts
  // announceIntoConference, steps/listening.ts noteOnCall).
  it('answers a listened caller when the database refuses for a moment as the reply is kept', () =>
    holds('I10.aurora-answers-listened', [
      ring(0),
      admin(0, 'ana', 'listen'),
      fault({ port: 'database', op: 'any', count: 5, after: 6 }),
      talk(0, FIRE),
    ]));

  // Left alone in an earlier note, now found by the simulation since a silence's turn can be held
  // (test/simulation/ports.ts holdWrite): Ana listens to a call nobody holds while Aurora asks a
  // silent caller again (or says she is still there, or goodbye). Her join moves the caller into
  // the conference, which drops the TwiML that says it, yet the transcript had it as said. It is
  // now recorded as possibly unheard and announced there; a goodbye, which would not end the call
  // there, is said not spoken (calls/takeTurn.ts silentTurn).
  it("announces into the conference what Aurora says to a silence that a listener's move-in cut off", () =>
    holds('I10.aurora-answers-listened', [ring(0), silence(0, { during: 'listen' })]));

  it("says a goodbye to a silence that a listener's move-in cut off was not spoken", () =>
    holds('I10.aurora-answers-listened', [
      ring(0),
      silence(0),
      silence(0),
      silence(0, { during: 'listen' }),
    ]));

  it('announces Aurora\'s "still here" to a silent CRITICAL caller that a listener\'s move-in cut off', () =>
    holds('I10.aurora-answers-listened', [
      ring(0),
      speak(0, FIRE),
      silence(0),
      silence(0),
      silence(0, { during: 'listen' }),
    ]));

  // Found by npm run simulate -- --runs 5000 (seed 1204, run 4719). Ana took the call; then the
  // database refused the turn's every transaction and read, so who held the call could not be
  // known, and Aurora answered the caller's emergency over the supervisor ("better than none").
  // The Gather Twilio runs now says whether a supervisor held the call when it was given (every
  // take and hand-back replaces it: core/twiml.ts NextTurn.held), and decides when the database
  // cannot; the deadline's fallback says nothing on such a Gather too.
  it('keeps Aurora silent on a held call when the database refuses the whole turn', () =>
    holds('I2.silent-while-held', [
      fault({ port: 'database', op: 'transact', count: 5, after: 8 }),
      ring(0),
      fault({ port: 'database', op: 'get', count: 5, after: 4 }),
      admin(0, 'ana', 'take'),
      silence(0),
      speak(0, FIRE),
    ]));

  // Found by npm run simulate -- --runs 5000 (seed 918273, run 3979), on the code before this
  // change too: the caller's last words reach a call whose purge had begun (its archive verified,
  // then the database refused the deletes). They go to the archive, raising its urgency and alerting
  // directly, as designed; the check read only the live record, still NORMAL until it was deleted.
  // The invariant now reads a call being purged together with its archive.
  it("holds a purging call's last words to the urgency of its archive", () =>
    holds('I4.urgency-floor', [
      ring(2),
      fault({ port: 'database', op: 'update', count: 5, after: 8 }),
      speak(2, 'no there is a fire in the store'),
      ring(0),
      hangUp(0, { lastWords: FIRE, turnFirst: true, hold: true }),
      deliver(3),
      ring(1),
      wait(30),
    ]));
});
