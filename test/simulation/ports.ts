/**
 * The simulation's ports: the in-memory ones of test/helpers with the faults the generator
 * injects, and what production has that memory does not: the Realtime Database trigger (every
 * write to active_calls/{id} becomes a change to fan out), Cloud Tasks' schedule and retries, and
 * a chat model the real modelResponder talks to.
 */
import type { QueueName } from '@aurora/model/tasks';
import { AuroraError } from '../../functions/src/core/errors';
import type { Urgency } from '@aurora/model';
import type {
  CallTask,
  ChatModel,
  EscalationTask,
  LiveDb,
  TaskQueue,
  WordsTask,
} from '../../functions/src/ports';
import { MemoryLiveDb } from '../helpers/memoryDb';

export type DbOp = 'get' | 'update' | 'transact';

/** A write that changed active_calls/{callId}: what the database trigger is given. */
export type CallWrite = { callId: string; before: unknown; after: unknown };

const callIdsUnder = (path: string, tree: Record<string, unknown>): string[] => {
  const [root, callId] = path.split('/').filter(Boolean);
  if (root !== 'active_calls') return [];
  return callId ? [callId] : Object.keys((tree.active_calls as object | undefined) ?? {});
};

/**
 * MemoryLiveDb with faults (its next operations of a kind fail, once or for a while) and a
 * listener told of every write that changed a call node, as the trigger would be.
 */
export class SimLiveDb implements LiveDb {
  readonly memory = new MemoryLiveDb();
  /** Injected failures still to come, per operation kind ('any' matches every kind), after `skip` more of them succeed. */
  private failing: Array<{ op: DbOp | 'any'; skip: number; left: number }> = [];
  /** How many operations failed by injection so far: a step that saw one is a step under faults. */
  injected = 0;

  constructor(private readonly onCallWrite: (write: CallWrite) => void) {}

  /** The next `count` operations of a kind fail, once `after` more of that kind have succeeded. */
  failNext(op: DbOp | 'any', count: number, after = 0) {
    this.failing.push({ op, skip: after, left: count });
  }

  clearFaults() {
    this.failing = [];
  }

  /** The write (update or transaction) to hold, when one is: what a silence's turn is held at. */
  private holding: Hold | null = null;

  /** Holds a write until it is released, once `skip` writes have gone through (see Hold). */
  holdWrite(skip: number): Hold {
    return (this.holding = new Hold(skip));
  }

  private maybeFail(op: DbOp) {
    const fault = this.failing.find((f) => f.left > 0 && (f.op === op || f.op === 'any'));
    if (!fault) return;
    if (fault.skip > 0) {
      fault.skip--;
      return;
    }
    fault.left--;
    this.injected++;
    throw new Error(`database unavailable (injected ${op} failure)`);
  }

  async get(path: string) {
    this.maybeFail('get');
    return this.memory.get(path);
  }

  async update(changes: Record<string, unknown>) {
    await this.holding?.pass();
    this.maybeFail('update');
    await this.observed(Object.keys(changes), () => this.memory.update(changes));
  }

  async transact(path: string, next: (current: unknown) => unknown) {
    await this.holding?.pass();
    this.maybeFail('transact');
    return this.observed([path], () => this.memory.transact(path, next));
  }

  /** Runs a write and reports each call node it changed. MemoryLiveDb writes synchronously, so nothing interleaves. */
  private async observed<T>(paths: string[], write: () => Promise<T>): Promise<T> {
    const ids = [...new Set(paths.flatMap((p) => callIdsUnder(p, this.memory.tree)))];
    const before = new Map(ids.map((id) => [id, structuredClone(this.callNode(id))]));
    const result = await write();
    for (const id of new Set([
      ...ids,
      ...paths.flatMap((p) => callIdsUnder(p, this.memory.tree)),
    ])) {
      const after = structuredClone(this.callNode(id));
      const was = before.get(id) ?? null;
      if (JSON.stringify(was) !== JSON.stringify(after))
        this.onCallWrite({ callId: id, before: was, after });
    }
    return result;
  }

  private callNode(callId: string): unknown {
    return (
      ((this.memory.tree.active_calls as Record<string, unknown> | undefined) ?? {})[callId] ?? null
    );
  }
}

/**
 * Cloud Tasks' retry schedule per queue, as functions/src/index.ts configures them: the
 * interval starts at minBackoff, doubles maxDoublings times, then grows linearly, capped at
 * maxBackoff (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues#retryconfig).
 */
export const RETRY_CONFIG: Record<
  QueueName,
  {
    maxAttempts: number;
    minBackoffSeconds: number;
    maxBackoffSeconds: number;
    maxDoublings: number;
  }
> = {
  archiveCall: { maxAttempts: 10, minBackoffSeconds: 1, maxBackoffSeconds: 60, maxDoublings: 4 },
  purgeCall: { maxAttempts: 10, minBackoffSeconds: 2, maxBackoffSeconds: 60, maxDoublings: 4 },
  escalateCall: { maxAttempts: 30, minBackoffSeconds: 1, maxBackoffSeconds: 10, maxDoublings: 2 },
  recordWords: { maxAttempts: 50, minBackoffSeconds: 1, maxBackoffSeconds: 300, maxDoublings: 8 },
};

/** Seconds before retry number `retry` (0 for the first retry). */
export function backoffSeconds(queue: QueueName, retry: number): number {
  const { minBackoffSeconds: min, maxBackoffSeconds: max, maxDoublings: d } = RETRY_CONFIG[queue];
  const doubled = min * 2 ** Math.min(retry, d);
  return Math.min(max, retry <= d ? doubled : doubled * (retry - d + 1));
}

export type ScheduledTask = {
  queue: QueueName;
  task: CallTask | EscalationTask | WordsTask;
  id: string;
  dueMs: number;
  retries: number;
};

/**
 * Cloud Tasks: one task per id (a second enqueue with an id seen is a duplicate), each due at
 * its schedule, retried on a thrown error until its queue's attempts run out. Faults: the next
 * enqueues fail, tasks arrive late, or run at once ignoring their delay (as the emulator does).
 */
export class SimTasks implements TaskQueue {
  ids = new Set<string>();
  scheduled: ScheduledTask[] = [];
  /** Tasks Cloud Tasks gave up on, with their last error: shown in a counterexample. */
  abandoned: Array<ScheduledTask & { error: string }> = [];
  failNext = 0;
  lateBySeconds = 0;
  ignoreDelays = false;

  constructor(private readonly nowMs: () => number) {}

  async enqueue(
    queue: QueueName,
    task: CallTask | EscalationTask | WordsTask,
    id: string,
    delaySeconds = 0,
  ) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('queue unavailable (injected)');
    }
    if (this.ids.has(id)) return 'duplicate' as const;
    this.ids.add(id);
    const delay = this.ignoreDelays ? 0 : delaySeconds + this.lateBySeconds;
    this.scheduled.push({
      queue,
      task: structuredClone(task),
      id,
      dueMs: this.nowMs() + delay * 1000,
      retries: 0,
    });
    return 'enqueued' as const;
  }

  /** The next task due at or before `untilMs`, earliest first (then in the order enqueued). */
  nextDue(untilMs: number): ScheduledTask | undefined {
    let next: ScheduledTask | undefined;
    for (const task of this.scheduled)
      if (task.dueMs <= untilMs && (!next || task.dueMs < next.dueMs)) next = task;
    return next;
  }

  take(task: ScheduledTask) {
    this.scheduled = this.scheduled.filter((t) => t !== task);
  }

  /** After a failed attempt: scheduled again after the queue's backoff, or abandoned. */
  retryLater(task: ScheduledTask, error: unknown) {
    if (task.retries + 1 >= RETRY_CONFIG[task.queue].maxAttempts) {
      this.abandoned.push({ ...task, error: String(error) });
      return;
    }
    this.scheduled.push({
      ...task,
      dueMs: this.nowMs() + backoffSeconds(task.queue, task.retries) * 1000,
      retries: task.retries + 1,
    });
  }

  clearFaults() {
    this.failNext = 0;
    this.lateBySeconds = 0;
    this.ignoreDelays = false;
  }
}

/**
 * One operation held until `release` is called, once `skip` others have gone through: `reached`
 * resolves when it is asked. A hold released before it was reached holds nothing.
 */
class Hold {
  readonly reached: Promise<void>;
  private arrive!: () => void;
  private readonly released: Promise<void>;
  private letGo!: () => void;
  private over = false;

  constructor(private skip = 0) {
    this.reached = new Promise<void>((resolve) => (this.arrive = resolve));
    this.released = new Promise<void>((resolve) => (this.letGo = resolve));
  }

  readonly release = () => {
    this.over = true;
    this.letGo();
  };

  /** Every operation passes here: the one held waits for `release`, the others go through. */
  async pass(): Promise<void> {
    if (this.over) return;
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    this.over = true;
    this.arrive();
    await this.released;
  }
}

/**
 * The chat model behind the real modelResponder: answers with the urgency the step chose (a
 * model may judge below the caller's words; the responder's keyword floor must hold), fails when
 * told to, and can be held mid-answer so something else happens while Aurora thinks.
 */
export class SimChat implements ChatModel {
  urgency: Urgency = 'NORMAL';
  failNext = 0;
  failTransient = true;
  answers = 0;
  private holding: Hold | null = null;

  /** Holds the next completion until it is released (see Hold). */
  hold(): Hold {
    return (this.holding = new Hold());
  }

  async complete(): Promise<string> {
    await this.holding?.pass();
    if (this.failNext > 0) {
      this.failNext--;
      throw new AuroraError('model unavailable (injected)', { retryable: this.failTransient });
    }
    this.answers++;
    return JSON.stringify({
      reply: `Model reply ${this.answers}.`,
      urgency: this.urgency,
      sources: [],
      handoff: false,
    });
  }

  clearFaults() {
    this.failNext = 0;
  }
}
