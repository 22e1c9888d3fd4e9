/**
 * A Realtime Database server for machines that cannot download the official emulator.
 *
 * It is npm `firebase-server` (which speaks the RTDB wire protocol to the real SDKs) plus
 * the protocol actions it lacks: `g` (one-shot get), `n` (unlisten) and the onDisconnect
 * family `o`/`om`/`oc`/`on`. It accepts the unsigned ID tokens the Auth emulator issues (the
 * web SDK's `auth`), which firebase-server would reject. Rules are not enforced here (its targaryen integration leaks
 * auth between connections); database.rules.json is tested with targaryen directly.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const FirebaseServer = require('firebase-server');

type Frame = {
  t: string;
  d: { r?: number; a?: string; b?: { p?: string; d?: unknown; q?: unknown; cred?: string } };
};
type Ref = {
  child(path: string): Ref;
  on(event: 'value', cb: (snap: { exportVal(): unknown }) => void): unknown;
  off(event: 'value', cb: unknown): void;
  once(event: 'value'): Promise<{ exportVal(): unknown }>;
  set(value: unknown): Promise<void>;
  update(value: unknown): Promise<void>;
  remove(): Promise<void>;
};
type Socket = {
  on(event: string, fn: (data: unknown) => void): void;
  send(data: string): void;
};

/** Actions this wrapper answers itself; everything else goes to firebase-server. */
const OWN_ACTIONS = new Set(['l', 'q', 'n', 'g', 'o', 'om', 'oc', 'on', 'auth', 'gauth', 'unauth']);

/** The claims of a JWT, unverified: the Auth emulator signs nothing, and rules are not enforced here. */
function claimsOf(token: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
  } catch {
    return null;
  }
}

class RealtimeDatabaseServer extends FirebaseServer {
  declare baseRef: Ref;
  declare maxFrameLength: number;
  declare https: unknown;
  declare setAuthSecret: (secret: string) => void;
  declare close: () => Promise<void>;

  constructor(options: object, name: string) {
    super(options, name);
  }

  handleConnection(ws: Socket): void {
    const listeners = new Map<string, { ref: Ref; cb: unknown }>();
    const onDisconnect: Array<{ action: string; path: string; data: unknown }> = [];
    const refAt = (path: string) =>
      path.replace(/^\/+/, '') ? this.baseRef.child(path.replace(/^\/+/, '')) : this.baseRef;
    const send = (message: unknown) => {
      const payload = JSON.stringify(message);
      const fragments = Math.ceil(payload.length / this.maxFrameLength);
      if (fragments > 1) ws.send(String(fragments));
      for (let i = 0; i < payload.length; i += this.maxFrameLength)
        ws.send(payload.substr(i, this.maxFrameLength));
    };
    const ok = (r: number | undefined, d: unknown = {}) =>
      send({ t: 'd', d: { r, b: { s: 'ok', d } } });
    const listenKey = (path: string, query: unknown) => `${path}|${JSON.stringify(query ?? {})}`;

    const handle = (frame: Frame) => {
      const { r, a, b = {} } = frame.d;
      const path = String(b.p ?? '');
      const cleanPath = path.replace(/^\/+/, '');
      switch (a) {
        case 'l':
        case 'q': {
          const key = listenKey(path, b.q);
          if (listeners.has(key)) return ok(r);
          const ref = refAt(path);
          let answered = false;
          const cb = (snap: { exportVal(): unknown }) => {
            send({ t: 'd', d: { a: 'd', b: { p: cleanPath, d: snap.exportVal() } } });
            if (!answered) {
              answered = true;
              ok(r);
            }
          };
          ref.on('value', cb);
          listeners.set(key, { ref, cb });
          return;
        }
        case 'n': {
          const key = listenKey(path, b.q);
          const listener = listeners.get(key);
          if (listener) listener.ref.off('value', listener.cb);
          listeners.delete(key);
          return ok(r);
        }
        case 'g':
          void refAt(path)
            .once('value')
            .then((snap) => ok(r, snap.exportVal()));
          return;
        case 'o':
        case 'om':
          onDisconnect.push({ action: a, path, data: b.d });
          return ok(r);
        case 'auth':
        case 'gauth': {
          if (b.cred === 'owner') return ok(r, { auth: null, admin: true, expires: null });
          const claims = claimsOf(String(b.cred ?? ''));
          if (!claims)
            return send({
              t: 'd',
              d: { r, b: { s: 'invalid_token', d: 'Could not parse auth token.' } },
            });
          return ok(r, { auth: claims, expires: claims.exp ?? null });
        }
        case 'unauth':
          return ok(r);
        case 'oc':
          for (let i = onDisconnect.length - 1; i >= 0; i--) {
            const op = onDisconnect[i]!;
            if (op.path === path || op.path.startsWith(`${path.replace(/\/$/, '')}/`))
              onDisconnect.splice(i, 1);
          }
          return ok(r);
      }
    };

    // Reassemble fragmented frames before deciding who answers them.
    let pending = 0;
    let buffer = '';
    const realOn = ws.on.bind(ws);
    ws.on = (event: string, fn: (data: unknown) => void) => {
      if (event !== 'message') return realOn(event, fn);
      realOn('message', (data: unknown) => {
        const text = String(data);
        if (buffer === '' && pending === 0 && /^\d+$/.test(text)) {
          pending = Number(text);
          return;
        }
        buffer += text;
        if (pending > 1) {
          pending--;
          return;
        }
        pending = 0;
        const whole = buffer;
        buffer = '';
        let frame: Frame;
        try {
          frame = JSON.parse(whole) as Frame;
        } catch {
          return;
        }
        if (frame.t === 'd' && frame.d?.a && OWN_ACTIONS.has(frame.d.a)) handle(frame);
        else fn(whole);
      });
    };
    realOn('close', () => {
      for (const { ref, cb } of listeners.values()) ref.off('value', cb);
      listeners.clear();
      for (const op of onDisconnect) {
        const ref = refAt(op.path);
        void (op.action === 'o'
          ? op.data === null
            ? ref.remove()
            : ref.set(op.data)
          : ref.update(op.data));
      }
    });
    super.handleConnection(ws);
  }
}

export type RunningRtdb = { port: number; close(): Promise<void> };

/** Starts the stand-in in this process on 127.0.0.1:port, accepting the Admin SDK's emulator credential. */
export async function serveRtdb(port: number): Promise<RunningRtdb> {
  const server = new RealtimeDatabaseServer(
    { port, address: '127.0.0.1', rest: true },
    `127.0.0.1:${port}`,
  );
  server.setAuthSecret('owner');
  await new Promise<void>((resolve, reject) => {
    const http = server.https as {
      listening: boolean;
      once(e: string, f: (err?: Error) => void): void;
    };
    if (http.listening) return resolve();
    http.once('listening', () => resolve());
    http.once('error', (err) => reject(err ?? new Error('RTDB server failed to listen')));
  });
  const address = (server.https as { address(): AddressInfo }).address();
  return { port: address.port, close: () => server.close() };
}

// Run as a program (`node rtdb-server.ts 9000`), it serves until killed: the stack runs it in a
// process of its own, as the real emulator would be, so no client shares its event loop.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await serveRtdb(Number(process.argv[2] ?? 9000));
  console.log(`rtdb stand-in listening on 127.0.0.1:${running.port}`);
}
