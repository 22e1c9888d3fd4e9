/**
 * Fires the functions' schedule locally: the compiled sweeper handler (sweepCalls), every
 * `seconds` given as its first argument (0: never by itself), and on demand with
 * `POST /sweep` on the port given as its second, configured as the functions emulator would
 * configure it. The tests sweep on demand, so no sweep lands in the middle of another test.
 *
 * Why not the Pub/Sub emulator: the functions emulator registers a scheduled function only as a
 * subscriber to the topic `firebase-schedule-<name>` on the Pub/Sub emulator that firebase-tools
 * itself runs (functionsEmulator.js, addPubsubTrigger), which wants Java 21 here (Debian has
 * 17), and even then nothing publishes to that topic on a clock: in the emulators a schedule
 * never fires by itself. This process is the clock, beside the stack, as the trigger relay is
 * for database triggers.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { useFunctionsEnvironment } from './functions-env.ts';

const require = createRequire(import.meta.url);
useFunctionsEnvironment();
const { handleSweep } =
  require('aurora-functions/lib/triggers/schedule.js') as typeof import('aurora-functions/lib/triggers/schedule.js');

const seconds = Number(process.argv[2] ?? 60);
const port = Number(process.argv[3] ?? 0);

let running: Promise<void> | null = null;
/** One sweep at a time, as Cloud Scheduler runs it: a sweep asked for while one runs waits for that one. */
function sweep(): Promise<void> {
  running ??= handleSweep()
    .then(() => console.log(`sweep done at ${new Date().toISOString()}`))
    .catch((err: unknown) => {
      console.error(`sweep failed: ${String(err)}`);
      throw err;
    })
    .finally(() => (running = null));
  return running;
}

if (seconds > 0) setInterval(() => void sweep().catch(() => {}), seconds * 1000);
createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/sweep') return void res.writeHead(404).end();
  sweep().then(
    () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"swept":true}'),
    (err: unknown) => res.writeHead(500).end(String(err)),
  );
}).listen(port, '127.0.0.1', () =>
  console.log(
    `scheduler sweeping ${seconds > 0 ? `every ${seconds} s` : 'on demand'} (POST http://127.0.0.1:${port}/sweep)`,
  ),
);
