/**
 * Lines of a transcript the Realtime Database refused for the whole turn (the caller's words,
 * Aurora's answer) are handed to the recordWords queue (calls/recordWords.ts), which writes them
 * later, live or archived. Before, the turn logged the failure and the words were in no transcript
 * although the webhook had answered them (the safety simulation, seed 99).
 *
 * Why a Cloud Task and not a longer retry here: the turn must answer Twilio within 15 s
 * (https://www.twilio.com/docs/voice/twiml#twilio-request-timeout) and a function gets no CPU
 * after it answered, while Cloud Tasks retries with backoff for hours. The task carries only the
 * lines, under the message keys the turn chose, so a replay writes the same keys and never
 * doubles a line; never the turn marker or the call's fields, which replayed later would undo
 * newer state.
 */
import { QUEUES, taskIds } from '@aurora/model/tasks';
import { type LiveMessage, paths } from '@aurora/model';
import { keyOrder } from '../core/ids';
import type { Deps, KeyedLine, WordsTask } from '../ports';

/** The lines of a multi-path write that are messages of `conversationId`, with their keys, in key order. */
export function linesOf(
  writes: Record<string, unknown>,
  conversationId: string,
  keys: readonly string[],
): KeyedLine[] {
  return keys
    .filter((key) => writes[paths.message(conversationId, key)])
    .map((key) => ({ ...(writes[paths.message(conversationId, key)] as LiveMessage), key }))
    .sort((a, b) => keyOrder(a.key, b.key));
}

/** The line as a transcript stores it (the key is where it is stored, not part of it). */
export function unkeyed(line: KeyedLine): LiveMessage {
  const message: Partial<KeyedLine> = { ...line };
  delete message.key;
  return message as LiveMessage;
}

/** The task's id: its call and its lines' keys, so the same lines are queued once. */
export const wordsTaskId = ({ callId, lines }: Pick<WordsTask, 'callId' | 'lines'>): string =>
  taskIds.words(
    callId,
    lines.map((line) => line.key),
  );

/**
 * Queues the lines for recordWords. Never throws: the caller has been answered either way. If the
 * queue refuses too, the lines exist nowhere: an error ops must see ("caller words lost"), with how
 * many lines and whose they were, never the words themselves (the log is not the transcript).
 */
export async function recordWordsLater(
  deps: Deps,
  task: WordsTask,
  why: string,
): Promise<'queued' | 'lost'> {
  if (task.lines.length === 0) return 'queued';
  const id = wordsTaskId(task);
  try {
    await deps.queue.enqueue(QUEUES.words, task, id);
    deps.log.warn('transcript lines not written in the turn: queued to be written later', {
      callId: task.callId,
      taskId: id,
      lines: task.lines.length,
      why,
    });
    return 'queued';
  } catch (err) {
    deps.log.error('caller words lost: neither written nor queued', {
      callId: task.callId,
      lines: task.lines.length,
      roles: task.lines.map((line) => line.role).join(','),
      why,
      error: String(err),
    });
    return 'lost';
  }
}
