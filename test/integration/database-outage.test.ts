/**
 * The Realtime Database unreachable (a server that accepts connections and never answers):
 * callers are still answered, quickly, from the procedures.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { deleteApp } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realtimeLiveDb } from '../../functions/src/adapters/liveDb';
import { startCall } from '../../functions/src/calls/startCall';
import { takeTurn } from '../../functions/src/calls/takeTurn';
import { localAdminApp } from '../../scripts/lib/project.ts';
import { memoryDeps } from '../helpers/fakes';

let blackHole: Server;
let port = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  blackHole = createServer((socket) => void sockets.add(socket)); // accepts, then says nothing
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  port = (blackHole.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
});

describe('a caller when the Realtime Database does not answer', () => {
  it('is greeted and answered within the deadlines, without records', async () => {
    const app = localAdminApp(`outage-${port}`);
    const saved = process.env.FIREBASE_DATABASE_EMULATOR_HOST;
    process.env.FIREBASE_DATABASE_EMULATOR_HOST = `127.0.0.1:${port}`;
    const db = getDatabase(app);
    process.env.FIREBASE_DATABASE_EMULATOR_HOST = saved;
    const { deps } = memoryDeps({ live: realtimeLiveDb(db, 500) });
    const callSid = `CA${'e'.repeat(32)}`;

    const started = performance.now();
    const greeting = await startCall({ callSid, from: '+15550100001' }, deps);
    expect(greeting).toContain('Hello Priya Nair, this is Aurora');
    expect(greeting).not.toContain('call=');
    const twiml = await takeTurn(
      { callSid, speech: 'there is a fire in zone b', silentTurns: 0 },
      deps,
    );
    expect(twiml).toContain('Leave the area now');
    expect(performance.now() - started).toBeLessThan(5000);
    await deleteApp(app);
  });
});
