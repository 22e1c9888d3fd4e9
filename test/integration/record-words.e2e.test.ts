/**
 * The recordWords queue end to end on the local stack: a turn's lines the Realtime Database
 * refused are enqueued as the turn enqueues them (steps/wordsLater.ts recordWordsLater over the
 * functions' own queue adapter, firebase-admin's taskQueue().enqueue), firebase-tools' tasks
 * emulator dispatches the task to the deployed recordWords function, and the lines land: in the
 * live transcript while the call lasts, in the archived one (Firestore) once it is purged.
 *
 * Each line must land once however often its task comes: a replay under the same task id is
 * refused by Cloud Tasks (the adapter says 'duplicate'), and the same lines under another id (a
 * delivery Cloud Tasks repeats, or a second turn's enqueue) are already there. That second task
 * carries one more line, the witness: once it has landed the task has run, so "not doubled" is
 * asserted after the run, not after a sleep.
 */
import { getFunctions } from 'firebase-admin/functions';
import { describe, expect, it } from 'vitest';
import {
  type LiveCall,
  type LiveConversation,
  type LiveMessage,
  orderedMessages,
  paths,
} from '@aurora/model';
import { QUEUES, taskIds } from '@aurora/model/tasks';
import { firestoreArchive } from '../../functions/src/adapters/archiveStore';
import { cloudTaskQueue } from '../../functions/src/adapters/taskQueue';
import { conversationIdOf, messageKeyFactory } from '../../functions/src/core/ids';
import type { KeyedLine, WordsTask } from '../../functions/src/ports';
import { recordWordsLater } from '../../functions/src/steps/wordsLater';
import { DEMO_ADMIN } from '../../scripts/lib/admins.ts';
import { DEFAULT_REGION } from '../../scripts/lib/deploy-env.ts';
import { adminSession } from '../helpers/adminSession';
import {
  acknowledge,
  archivedAndPurged,
  eventually,
  realDeps,
  ringing,
  testClients,
} from '../helpers/stack';

const { app, db, firestore } = testClients();
// As the functions build theirs (triggers/wiring.ts): the stack sets no FUNCTIONS_REGION, so the
// functions and their queues are in the param's default region.
const queue = cloudTaskQueue(getFunctions(app), DEFAULT_REGION);
const { deps } = realDeps({ queue });
const archive = firestoreArchive(firestore);
const messageKey = messageKeyFactory();

/** A turn's two lines under fresh message keys (later than anything the call holds), the caller's first. */
function turnLines(said: string, answered: string): KeyedLine[] {
  const at = Date.now();
  const timestamp = new Date(at).toISOString();
  return [
    { key: messageKey(at), role: 'user', content: said, timestamp, sources: '' },
    { key: messageKey(at), role: 'assistant', content: answered, timestamp, sources: '' },
  ];
}

/** One more line, after the others: its landing says the task carrying it has run. */
const witnessed = (lines: KeyedLine[], content: string): KeyedLine[] => [
  ...lines,
  { ...lines[0], key: messageKey(Date.now()), content },
];

const contents = (messages: LiveMessage[]) => messages.map((m) => m.content);

/** The live transcript in key order, as the dashboard shows it. */
const liveTranscript = async (callId: string) =>
  contents(
    orderedMessages(
      (await db.ref(paths.conversation(conversationIdOf(callId))).get()).val() as LiveConversation,
    ),
  );

/** The archived transcript in order (inline and paged). */
const archivedTranscript = async (callId: string) =>
  contents((await archive.readMessages(conversationIdOf(callId))) ?? []);

/** The same lines again under another task id: refused by nobody, so the function must not double them. */
async function enqueueAgainUnderAnotherId(task: WordsTask, witness: string) {
  const again = { ...task, lines: witnessed(task.lines, witness) };
  const id = `${taskIds.words(
    task.callId,
    task.lines.map((l) => l.key),
  )}-again`;
  expect(await queue.enqueue(QUEUES.words, again, id)).toBe('enqueued');
}

/** A replay of the turn's enqueue: Cloud Tasks refuses the id it has seen, the adapter says so, the turn goes on. */
async function replay(task: WordsTask) {
  const id = taskIds.words(
    task.callId,
    task.lines.map((l) => l.key),
  );
  expect(await queue.enqueue(QUEUES.words, task, id)).toBe('duplicate');
  expect(await recordWordsLater(deps, task, 'replayed')).toBe('queued');
}

describe('the recordWords queue on the local stack', () => {
  it("writes a turn's refused lines into the live call a supervisor holds, once, however often its task comes", async () => {
    const { call, callId } = await ringing('+15550107001');
    // A supervisor takes the call (the dashboard's Take, through the callable) before the task
    // runs: the task writes lines only, so the call stays theirs.
    const ana = await adminSession(DEMO_ADMIN.email, DEMO_ADMIN.password);
    try {
      expect(await ana.control({ action: 'take', callId })).toEqual({ reached: true });
    } finally {
      await ana.close();
    }
    const held = (await db.ref(paths.call(callId)).get()).val() as LiveCall;
    expect(held).toMatchObject({ mode: 'human', admin_id: DEMO_ADMIN.email });
    const said = 'the forklift tipped over in bay 4';
    const answered = 'Stay clear of the forklift and keep others away.';
    const task: WordsTask = {
      callId,
      callSid: call.callSid,
      lines: turnLines(said, answered),
    };
    const greeting = await liveTranscript(callId);
    expect(greeting.length).toBeGreaterThan(0);

    expect(await recordWordsLater(deps, task, 'database refused the whole turn')).toBe('queued');
    const landed = await eventually('the lines in the live transcript', async () => {
      const transcript = await liveTranscript(callId);
      return transcript.includes(answered) && transcript;
    });
    expect(landed).toEqual([...greeting, said, answered]);

    await replay(task);
    await enqueueAgainUnderAnotherId(task, 'witness: live');
    const after = await eventually('the second task run', async () => {
      const transcript = await liveTranscript(callId);
      return transcript.includes('witness: live') && transcript;
    });
    expect(after).toEqual([...greeting, said, answered, 'witness: live']);
    expect((await db.ref(paths.call(callId)).get()).val()).toMatchObject({
      mode: 'human',
      admin_id: DEMO_ADMIN.email,
    });

    // Lines written live are archived with the call, once.
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, conversationIdOf(callId));
    expect(await archivedTranscript(callId)).toEqual([
      ...greeting,
      said,
      answered,
      'witness: live',
    ]);
  });

  it('appends them to the archived transcript once when the call was archived and purged meanwhile', async () => {
    const { call, callId } = await ringing('+15550107002');
    const greeting = await liveTranscript(callId);
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, conversationIdOf(callId));
    expect(await archivedTranscript(callId)).toEqual(greeting);

    const said = 'I hung up but there is still smoke by the boiler';
    const answered = 'Leave the boiler room and raise the alarm.';
    const task: WordsTask = {
      callId,
      callSid: call.callSid,
      lines: turnLines(said, answered),
    };
    expect(await recordWordsLater(deps, task, 'database refused the whole turn')).toBe('queued');
    const landed = await eventually('the lines in the archived transcript', async () => {
      const transcript = await archivedTranscript(callId);
      return transcript.includes(answered) && transcript;
    });
    expect(landed).toEqual([...greeting, said, answered]);

    await replay(task);
    await enqueueAgainUnderAnotherId(task, 'witness: archived');
    const after = await eventually('the second task run', async () => {
      const transcript = await archivedTranscript(callId);
      return transcript.includes('witness: archived') && transcript;
    });
    expect(after).toEqual([...greeting, said, answered, 'witness: archived']);
    // Nothing came back to life in the Realtime Database.
    expect((await db.ref(paths.conversation(conversationIdOf(callId))).get()).exists()).toBe(false);
    expect((await db.ref(paths.call(callId)).get()).exists()).toBe(false);
  });
});
