/**
 * `npm run ops -- queues | task <id> | run <id>  --project <id> [--region <r>] [--queue <q>]`:
 * Aurora's task queues on a real project through Cloud Tasks' client with Application Default
 * Credentials (`gcloud auth application-default login`; the account needs Cloud Tasks Viewer,
 * and Cloud Tasks Task Runner for `run`). `queues` shows each queue's state, depth and oldest
 * task; `task` shows one task (its queue follows from its id, archive-… is archiveCall);
 * `run` dispatches a stuck task now, even on a paused queue. `--tasks-api <url>` talks to a
 * local Cloud Tasks stand-in instead (the tests).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deployParams, functionsRegion, isDemoProject } from './lib/deploy-env.ts';
import { ROOT } from './lib/project.ts';
import { AURORA_QUEUES, cloudTasksClient, formatQueueReport, formatTask, queuePath, queueForTask, queueReport, taskInfo, tasksError } from './lib/queues.ts';

const usage = 'usage: npm run ops -- queues | task <id> | run <id>   --project <id> [--region <region>] [--queue <queue>] [--tasks-api <url>]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { project: { type: 'string' }, region: { type: 'string' }, queue: { type: 'string' }, 'tasks-api': { type: 'string' } },
});
const [command, taskId] = positionals;
const fail = (message: string, code = 1): never => {
  console.error(message);
  process.exit(code);
};

if (!command || !['queues', 'task', 'run'].includes(command) || (command !== 'queues' && !taskId)) fail(usage, 2);
const projectId = values.project ?? fail(`--project is required.\n${usage}`, 2);
if (isDemoProject(projectId) && !values['tasks-api']) {
  fail(
    `${projectId} is the local demo project: the Firebase tasks emulator serves only enqueue and delete, not the Cloud Tasks API that lists queues and runs tasks. ` +
      'Its queues show in the functions emulator\'s log (AURORA_STACK_VERBOSE=1); ops is for a deployed project.',
  );
}
const region = values.region ?? functionsRegion(deployParams(join(ROOT, 'functions'), projectId));
const target = { projectId, region };
const client = cloudTasksClient(values['tasks-api']);
const now = Date.now();

/** Says what a Cloud Tasks refusal means here, in plain words. */
function explain(err: unknown, queue: string, id: string): string {
  const { status, message } = tasksError(err);
  if (status === 'NOT_FOUND') return `No task ${id} in ${queue}: it already succeeded or permanently failed (Cloud Tasks keeps no finished tasks), or it never existed.`;
  if (status === 'FAILED_PRECONDITION') return `Queue ${queue} does not exist in ${region} (${message}): deploy the functions (firebase deploy --only functions) or pass --region.`;
  if (status === 'PERMISSION_DENIED' || status === 'UNAUTHENTICATED') return `Cloud Tasks refused the credentials (${status}): run gcloud auth application-default login with an account that has Cloud Tasks Viewer (and Task Runner for run).`;
  return `Cloud Tasks answered ${status}: ${message}`;
}

try {
  if (command === 'queues') {
    console.log(`Queues of ${projectId} in ${region}:`);
    const reports = await Promise.all(AURORA_QUEUES.map((queue) => queueReport(client, target, queue)));
    for (const report of reports) console.log(`  ${formatQueueReport(report, now)}`);
    if (reports.some((r) => !r.found || r.state !== 'RUNNING')) process.exitCode = 1;
  } else {
    const queue = values.queue ?? queueForTask(taskId!) ?? fail(`Cannot tell the queue of ${taskId} from its id: pass --queue (one of ${AURORA_QUEUES.join(', ')}).`, 2);
    const name = `${queuePath(target, queue)}/tasks/${taskId}`;
    try {
      if (command === 'task') {
        const [task] = await client.getTask({ name, responseView: 'BASIC' });
        console.log(formatTask(queue, taskInfo(task), now));
      } else {
        const [task] = await client.runTask({ name, responseView: 'BASIC' });
        console.log(`Dispatched ${taskId} in ${queue} now (attempt ${task.dispatchCount ?? '?'}). If its function fails, Cloud Tasks retries it on the queue's backoff.`);
      }
    } catch (err) {
      fail(explain(err, queue, taskId!));
    }
  }
} finally {
  await client.close();
}
