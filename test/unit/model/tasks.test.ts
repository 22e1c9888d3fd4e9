/** The task queues and their ids, as the functions enqueue them and the operator's scripts find them. */
import { describe, expect, it } from 'vitest';
import { QUEUES, QUEUE_NAMES, queueForTask, queueResource, taskIds } from '@aurora/model/tasks';

const CALL = 'call_15550100001_20261203_201739';

describe('task ids', () => {
  it('name the queue they go to, so ops can find any task from its id alone', () => {
    const onQueue: Array<[string, string]> = [
      [taskIds.archive(CALL), QUEUES.archive],
      [taskIds.rearchive(CALL, 12), QUEUES.archive],
      [taskIds.redrive(CALL, 3), QUEUES.archive],
      [taskIds.acknowledged(CALL, '2026-12-03T20:17:39+05:30'), QUEUES.archive],
      [taskIds.purge(CALL, 12), QUEUES.purge],
      [taskIds.escalate(CALL), QUEUES.escalate],
      [taskIds.words(CALL, ['-Nx0000aaaaaaaaaaaa']), QUEUES.words],
    ];
    for (const [id, queue] of onQueue) expect(queueForTask(id), id).toBe(queue);
    expect(new Set(QUEUE_NAMES)).toEqual(new Set(Object.values(QUEUES)));
  });

  it("never carry the caller's number", () => {
    for (const id of [
      taskIds.archive(CALL),
      taskIds.purge(CALL, 2),
      taskIds.escalate(CALL),
      taskIds.words(CALL, ['-Nx0000aaaaaaaaaaaa']),
    ])
      expect(id).not.toMatch(/15550100001/);
  });

  it("name a turn's unwritten lines by their keys: the same lines are one task, other lines another", () => {
    const a = taskIds.words(CALL, ['-Nx0000aaaaaaaaaaaa']);
    expect(taskIds.words(CALL, ['-Nx0000aaaaaaaaaaaa'])).toBe(a);
    expect(taskIds.words(CALL, ['-Nx0000aaaaaaaaaaab'])).not.toBe(a);
    // Cloud Tasks task ids: letters, digits, hyphens and underscores only, at most 500 characters.
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,500}$/);
  });

  it("tell a stranger's task from ours", () => {
    expect(queueForTask('other')).toBeNull();
    expect(queueForTask('constructor-x')).toBeNull();
  });
});

describe('queueResource', () => {
  it("puts a queue in the functions' region", () => {
    expect(queueResource('europe-west1', QUEUES.archive)).toEqual({
      function: 'locations/europe-west1/functions/archiveCall',
      queue: 'locations/europe-west1/queues/archiveCall',
    });
  });
});
