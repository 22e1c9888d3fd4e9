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
import { parseSubcommandLine } from './lib/command-line.ts';

const OPTIONS = `options:
  --project <id>     the deployed Firebase project (required)
  --region <region>  the functions' region (default: FUNCTIONS_REGION in functions/.env or
                     functions/.env.<project>, else us-central1)
  --queue <queue>    task, run: the task's queue (archiveCall, purgeCall, escalateCall or
                     recordWords), when its id does not say
  --tasks-api <url>  a local Cloud Tasks stand-in instead of Google's (the tests)`;
const TARGET = '--project <id> [--region <region>] [--tasks-api <url>]';
const CREDENTIALS =
  "Read through Cloud Tasks' client with the Application Default Credentials (gcloud auth application-default\n" +
  'login) of an account with Cloud Tasks Viewer. Not for the local demo project: its tasks emulator has no queue API.';

const SUBCOMMANDS = [
  {
    name: 'queues',
    args: [],
    usage: `usage: npm run ops -- queues ${TARGET}\nEach of Aurora's task queues: its state, depth and oldest task. Exits 1 when a queue is missing or not running.\n${CREDENTIALS}\n\n${OPTIONS}`,
  },
  {
    name: 'task',
    args: ['id'],
    usage: `usage: npm run ops -- task <id> ${TARGET} [--queue <queue>]\nOne task: when it is due, its attempts and its last response. Its queue follows from its id\n(archive-… is archiveCall, purge-… purgeCall, escalate-… escalateCall,\nwords-… recordWords).\n${CREDENTIALS}\n\n${OPTIONS}`,
  },
  {
    name: 'run',
    args: ['id'],
    usage: `usage: npm run ops -- run <id> ${TARGET} [--queue <queue>]\nDispatches a stuck task now, even on a paused queue; if its function fails, Cloud Tasks retries it on the\nqueue's backoff. Needs Cloud Tasks Task Runner as well.\n${CREDENTIALS}\n\n${OPTIONS}`,
  },
] as const;

const USAGE = `usage: npm run ops -- queues | task <id> | run <id>   ${TARGET} [--queue <queue>]
Aurora's task queues on a deployed project.
${CREDENTIALS}

commands:
  queues     each queue's state, depth and oldest task (exits 1 when one is missing or not running)
  task <id>  one task; its queue follows from its id (archive-… is archiveCall)
  run <id>   dispatch a stuck task now, even on a paused queue (needs Cloud Tasks Task Runner)

${OPTIONS}
  -h, --help         this help; npm run ops -- <command> --help for one command's`;

const {
  values,
  subcommand: command,
  args,
  fail: usageError,
} = parseSubcommandLine('ops', USAGE, SUBCOMMANDS, {
  project: { type: 'string' },
  region: { type: 'string' },
  queue: { type: 'string' },
  'tasks-api': { type: 'string' },
});
const [taskId] = args;
/** A refusal that is not a usage error: exit 1 with the reason alone. */
const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const projectId = values.project ?? usageError('--project is required.');

// Loaded after the command line is parsed, so --help answers without the Cloud Tasks client.
const { deployParams, functionsRegion, isDemoProject } = await import('./lib/deploy-env.ts');
const { ROOT } = await import('./lib/project.ts');
const {
  cloudTasksClient,
  formatQueueReport,
  formatTask,
  queuePath,
  queueReport,
  taskInfo,
  tasksError,
} = await import('./lib/queues.ts');
const { QUEUE_NAMES, queueForTask } = await import('@aurora/model/tasks');

if (isDemoProject(projectId) && !values['tasks-api']) {
  fail(
    `${projectId} is the local demo project: the Firebase tasks emulator serves only enqueue and delete, not the Cloud Tasks API that lists queues and runs tasks. ` +
      "Its queues show in the functions emulator's log (AURORA_STACK_VERBOSE=1); ops is for a deployed project.",
  );
}
const region = values.region ?? functionsRegion(deployParams(join(ROOT, 'functions'), projectId));
const target = { projectId, region };
const client = cloudTasksClient(values['tasks-api']);
const now = Date.now();

/** Says what a Cloud Tasks refusal means here, in plain words. */
function explain(err: unknown, queue: string, id: string): string {
  const { status, message } = tasksError(err);
  if (status === 'NOT_FOUND')
    return `No task ${id} in ${queue}: it already succeeded or permanently failed (Cloud Tasks keeps no finished tasks), or it never existed.`;
  if (status === 'FAILED_PRECONDITION')
    return `Queue ${queue} does not exist in ${region} (${message}): deploy the functions (firebase deploy --only functions) or pass --region.`;
  if (status === 'PERMISSION_DENIED' || status === 'UNAUTHENTICATED')
    return `Cloud Tasks refused the credentials (${status}): run gcloud auth application-default login with an account that has Cloud Tasks Viewer (and Task Runner for run).`;
  return `Cloud Tasks answered ${status}: ${message}`;
}

try {
  if (command === 'queues') {
    console.log(`Queues of ${projectId} in ${region}:`);
    const reports = await Promise.all(
      QUEUE_NAMES.map((queue) => queueReport(client, target, queue)),
    );
    for (const report of reports) console.log(`  ${formatQueueReport(report, now)}`);
    if (reports.some((r) => !r.found || r.state !== 'RUNNING')) process.exitCode = 1;
  } else {
    const queue =
      values.queue ??
      queueForTask(taskId) ??
      usageError(
        `Cannot tell the queue of ${taskId} from its id: pass --queue (one of ${QUEUE_NAMES.join(', ')}).`,
      );
    const name = `${queuePath(target, queue)}/tasks/${taskId}`;
    try {
      if (command === 'task') {
        const [task] = await client.getTask({ name, responseView: 'BASIC' });
        console.log(formatTask(queue, taskInfo(task), now));
      } else {
        const [task] = await client.runTask({ name, responseView: 'BASIC' });
        console.log(
          `Dispatched ${taskId} in ${queue} now (attempt ${task.dispatchCount ?? '?'}). If its function fails, Cloud Tasks retries it on the queue's backoff.`,
        );
      }
    } catch (err) {
      fail(explain(err, queue, taskId));
    }
  }
} finally {
  await client.close();
}
