/**
 * The recordWords queue: a turn's lines the Realtime Database refused for the whole turn
 * (steps/wordsLater.ts), written once it takes writes again, exactly once, live or archived.
 *
 * - The call's conversation is still live: the lines go into it in one transaction over the
 *   conversation, under the keys the turn chose; a key already there is left alone (an earlier
 *   run, or the turn's own write that committed although it reported a failure). The purge
 *   deletes the conversation in a transaction too (calls/archival.ts removeConversation), and
 *   archives whatever it holds beyond what it verified: lines that land before that deletion are
 *   archived by the purge, and this transaction cannot run after it and recreate the node.
 * - The call is marked for purging (its archive verified), and the lines are not live: they go to
 *   the archive as below, so a purge that was cut short and resumes finds nothing missing.
 * - The conversation is gone (a live call's conversation always holds its call_id, so gone means
 *   purged, its archive verified): the lines the archive does not hold yet (core/archiveDocs.ts
 *   missingFromArchive: a replay after the purge archived them finds none) go onto the end of the
 *   archived transcript, under the task's turn key (a late turn's own, else the task's id), so two
 *   runs at once, or a late turn's append and its task, append once.
 * - The task carries the urgency the words call for when the turn could not raise the call to it:
 *   the live call is raised first (its fan-out alerts and escalates as on any rise), else the
 *   archived call, with a direct alert on CRITICAL. Only ever upwards, so a replay changes nothing.
 *
 * Throws (Cloud Tasks retries with backoff, for hours: functions/src/index.ts) while the
 * database or the archive refuses, and while there is neither a live conversation nor an archive.
 */
import { type LiveMessage, paths } from '@aurora/model';
import { missingFromArchive } from '../core/archiveDocs';
import { afterLateWords } from '../core/callUrgency';
import { AuroraError, withDeadline } from '../core/errors';
import { conversationIdOf } from '../core/ids';
import type { Deps, KeyedLine, WordsTask } from '../ports';
import { alertLateEmergency } from '../steps/lateAlert';
import { changeCall } from '../steps/liveCalls';
import { unkeyed, wordsTaskId } from '../steps/wordsLater';

/** Cloud Tasks' attempts for one task (functions/src/index.ts): with its backoff, about 3.5 hours. */
export const RECORD_WORDS_MAX_ATTEMPTS = 50;

export type WordsOutcome =
  /** Written into the live conversation. */
  | 'recorded'
  /** Every line was already there, live or archived (a replay). */
  | 'already'
  /** Appended to the archived transcript. */
  | 'archived';

export async function recordWords(task: WordsTask, deps: Deps): Promise<WordsOutcome> {
  const { callId, lines } = task;
  const conversationId = conversationIdOf(callId);
  // A call the purge has marked has a verified archive: lines not yet live go there, not into a
  // conversation the purge may already have compared (a purge cut short resumes from the mark
  // and would find the archive short of them for ever).
  const marked = ((await deps.live.get(`${paths.call(callId)}/purging`)) ?? false) === true;
  // The words' urgency first, so a run that fails after it has still raised the call.
  const purging = marked || (!!task.urgency && (await raiseLive(deps, task)) === 'purging');
  let notLive: KeyedLine[] = lines;
  const { committed, value } = await deps.live.transact(
    paths.conversation(conversationId),
    (current) => {
      notLive = lines;
      if (current === null) return null; // gone, or not yet known: the server decides
      if (typeof current !== 'object') return undefined;
      const messages = ((current as { messages?: unknown }).messages ?? {}) as Record<
        string,
        unknown
      >;
      notLive = lines.filter((line) => !Object.hasOwn(messages, line.key));
      if (notLive.length === 0 || purging) return undefined;
      return {
        ...current,
        messages: {
          ...messages,
          ...Object.fromEntries(notLive.map((line) => [line.key, unkeyed(line)])),
        },
      };
    },
  );
  if (value !== null && (committed || notLive.length === 0)) {
    deps.log.info(
      committed ? 'late transcript lines written to the live call' : 'late lines already live',
      { callId, lines: lines.length },
    );
    return committed ? 'recorded' : 'already';
  }
  // Purged (the conversation is gone: every line), or being purged (the lines not live).
  return appendToArchive(deps, task, conversationId, value === null ? lines : notLive);
}

/**
 * Raises the live call to the words' urgency, the way a turn does (core/callUrgency.ts
 * afterLateWords): in a transaction over the call as stored, only ever upwards, so a replay or a
 * turn that raised it meanwhile is left alone. The call's fan-out (calls/fanOut.ts) then alerts the
 * admins and, on a rise to CRITICAL, starts the escalation timer, as for any rise. 'purging' when
 * the purge has marked the call: its archive is verified, and the archive is raised instead.
 */
async function raiseLive(deps: Deps, task: WordsTask): Promise<'live' | 'purging' | 'gone'> {
  const urgency = task.urgency!;
  let seen: 'live' | 'purging' | 'gone' = 'gone';
  const raised = await changeCall(deps.live, task.callId, (call) => {
    seen = call.purging ? 'purging' : 'live';
    if (call.purging) return undefined;
    const fields = afterLateWords(call, urgency);
    return Object.keys(fields).length > 0 ? fields : undefined;
  });
  if (raised)
    deps.log.warn("late words raised the call's urgency", {
      callId: task.callId,
      urgency: raised.urgency,
    });
  return seen;
}

/** The lines the archive lacks, appended to the end of the purged call's archived transcript. */
async function appendToArchive(
  deps: Deps,
  task: WordsTask,
  conversationId: string,
  lines: KeyedLine[],
): Promise<WordsOutcome> {
  const { callId } = task;
  const archived = await withDeadline(
    deps.archive.readMessages(conversationId),
    deps.settings.archiveDeadlineMs,
    'archive read',
  );
  if (archived === null) {
    deps.log.error('late transcript lines have neither a live call nor an archive: retried', {
      callId,
      lines: lines.length,
    });
    throw new AuroraError(`no live conversation and no archive for ${callId}`, {
      retryable: true,
    });
  }
  const missing = missingFromArchive(lines.map(unkeyed), archived);
  const { urgency } = task;
  if (missing.length === 0) {
    deps.log.info('late lines already archived', { callId, lines: lines.length });
    // The purge archived the lines (the turn's write landed; its raise did not): the archived call
    // is raised all the same, with nothing appended.
    if (urgency && urgency !== 'NORMAL') await appendLate(deps, task, [], undefined);
    return 'already';
  }
  const turn = task.turn ?? wordsTaskId(task);
  await appendLate(deps, task, missing, turn);
  deps.log.warn('late transcript lines appended to the archived call', {
    callId,
    lines: missing.length,
  });
  return 'archived';
}

/**
 * Appends to the archived call, raising its urgency to the words' (never lowering it), and, the
 * call having left the live list where the fan-out would see the rise, alerts the admins to a
 * CRITICAL one directly, as a late turn does (steps/lateAlert.ts).
 */
async function appendLate(
  deps: Deps,
  task: WordsTask,
  messages: LiveMessage[],
  turn: string | undefined,
): Promise<void> {
  const { callId, callSid, urgency } = task;
  const raise = urgency && urgency !== 'NORMAL' ? urgency : undefined;
  const appended = await withDeadline(
    deps.archive.appendMessages(callId, callSid, messages, turn, raise),
    deps.settings.archiveDeadlineMs,
    'archive append',
  );
  if (!appended)
    throw new AuroraError(`the archive of ${callId} is not this CallSid's: lines not appended`, {
      retryable: true,
    });
  if (raise === 'CRITICAL') await alertLateEmergency(deps, callId, undefined);
}
