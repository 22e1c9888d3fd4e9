/**
 * Delivers the functions' Realtime Database triggers where the real database emulator is
 * missing: the functions emulator only fires database triggers when that emulator runs, so
 * with the stand-in server this process watches active_calls and hands each change (before
 * and after) to the compiled trigger handler, configured as the functions emulator would
 * configure it (params with their defaults, secrets, emulator hosts). Changes are delivered
 * one at a time, in order; a failed delivery is retried once, as a trigger with retry would be.
 */
import { createRequire } from 'node:module';
import { getDatabase, type DataSnapshot } from 'firebase-admin/database';
import { useFunctionsEnvironment } from './functions-env.ts';
import { localAdminApp } from './project.ts';

const require = createRequire(import.meta.url);
useFunctionsEnvironment();
const { handleCallWritten } =
  require('aurora-functions/lib/triggers/database.js') as typeof import('aurora-functions/lib/triggers/database.js');
const db = getDatabase(localAdminApp('relay'));

const known = new Map<string, unknown>();
let queue = Promise.resolve();

function deliver(callId: string, after: unknown) {
  const before = known.get(callId) ?? null;
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  if (after === null) known.delete(callId);
  else known.set(callId, after);
  const event = {
    params: { callId },
    data: { before: { val: () => before }, after: { val: () => after } },
  };
  queue = queue.then(async () => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return await handleCallWritten(event);
      } catch (err) {
        console.error(`fan-out of ${callId} failed (attempt ${attempt}): ${String(err)}`);
      }
    }
  });
}

const calls = db.ref('active_calls');
// Calls already there when the relay starts are not news.
for (const [callId, value] of Object.entries(
  ((await calls.get()).val() as Record<string, unknown> | null) ?? {},
))
  known.set(callId, value);
const onChild = (snap: DataSnapshot) => deliver(snap.key!, snap.val());
calls.on('child_added', onChild);
calls.on('child_changed', onChild);
calls.on('child_removed', (snap) => deliver(snap.key!, null));
console.log('trigger relay watching active_calls');
