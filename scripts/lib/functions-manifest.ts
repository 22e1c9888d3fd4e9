/**
 * The functions' deploy manifest, read the way `firebase deploy` reads it: firebase-tools 15
 * (lib/deploy/functions/runtimes/node/index.js, serveAdmin and discoverBuild) starts
 * firebase-functions' own control server on the built functions with the env below, GETs
 * `/__/functions.yaml` (runtimes/discovery/index.js, detectFromPort) and parses it with `yaml`.
 * Doing the same offline shows what a deploy would create: triggers, regions, memory,
 * timeouts, instances, retries, invokers, secrets and params.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './project.ts';

/** One endpoint of the manifest, as firebase-functions writes it (stackToWire); values may be CEL strings. */
export type ManifestEndpoint = Record<string, unknown> & {
  region?: string | string[];
  availableMemoryMb?: number | string | null;
  timeoutSeconds?: number | string | null;
  minInstances?: number | string | null;
  maxInstances?: number | string | null;
  secretEnvironmentVariables?: Array<{ key: string }>;
  httpsTrigger?: { invoker?: string[] | null };
  callableTrigger?: Record<string, unknown>;
  taskQueueTrigger?: {
    invoker?: string[] | null;
    retryConfig?: Record<string, unknown>;
    rateLimits?: Record<string, unknown>;
  };
  eventTrigger?: {
    eventType: string;
    retry?: boolean;
    eventFilterPathPatterns?: Record<string, string>;
  };
  scheduleTrigger?: { schedule: string; retryConfig?: Record<string, unknown> };
};
export type ManifestParam = { name: string; type: string; default?: unknown; description?: string };
export type Manifest = {
  specVersion: string;
  endpoints: Record<string, ManifestEndpoint>;
  params?: ManifestParam[];
  requiredAPIs?: Array<{ api: string; reason: string }>;
};

export type DiscoveryOptions = {
  functionsDir?: string;
  projectId: string;
  /** The params firebase deploy passes as env (functions/.env.<project-id>, deployParams()). */
  params?: Record<string, string>;
  /** How long the functions may take to load; firebase-tools waits 10 s (FUNCTIONS_DISCOVERY_TIMEOUT). */
  timeoutMs?: number;
};

/** The bin firebase-tools runs: the first `.bin/firebase-functions` in the source's, then the project's node_modules (findFunctionsBinary). */
export function functionsBinary(functionsDir: string, projectDir = ROOT): string {
  const candidates = [
    join(functionsDir, 'node_modules', '.bin', 'firebase-functions'),
    join(projectDir, 'node_modules', '.bin', 'firebase-functions'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(
      `firebase-functions' bin is in none of ${candidates.join(', ')}: run npm install`,
    );
  return found;
}

/** A port nothing listens on now (firebase-tools asks portfinder the same). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One GET on a connection of its own (no agent, so no keep-alive): a kept-alive socket would
 * hold the control server open for seconds after /__/quitquitquit closes it.
 */
function getOnce(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Starts the control server, reads the manifest, and stops the server again, whatever happened. */
export async function discoverFunctions({
  functionsDir = join(ROOT, 'functions'),
  projectId,
  params = {},
  timeoutMs = 10_000,
}: DiscoveryOptions): Promise<Manifest> {
  const port = await freePort();
  const firebaseConfig = {
    projectId,
    databaseURL: `https://${projectId}-default-rtdb.firebaseio.com`,
    storageBucket: `${projectId}.appspot.com`,
  };
  // The env of prepare.js (loadFirebaseEnvs, GOOGLE_CLOUD_QUOTA_PROJECT) and spawnFunctionsProcess; nothing else leaks in.
  const env = {
    ...params,
    FIREBASE_CONFIG: JSON.stringify(firebaseConfig),
    GCLOUD_PROJECT: projectId,
    GOOGLE_CLOUD_QUOTA_PROJECT: projectId,
    PORT: String(port),
    FUNCTIONS_CONTROL_API: 'true',
    HOME: process.env.HOME,
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV,
    CLOUD_RUNTIME_CONFIG: JSON.stringify({ firebase: firebaseConfig }),
  };
  const child = spawn(functionsBinary(functionsDir), [functionsDir], {
    env,
    cwd: functionsDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(
          `firebase-functions exited (${child.exitCode}) before serving the manifest:\n${output}`,
        );
      try {
        const { status, text } = await getOnce(`${base}/__/functions.yaml`);
        // firebase-tools stops here too: "Functions codebase could not be analyzed successfully".
        if (status !== 200)
          throw new Error(`the functions did not load (HTTP ${status}): ${text}\n${output}`);
        return parse(text) as Manifest;
      } catch (err) {
        // Not listening yet: ask again, as detectFromPort does.
        if (!['ECONNREFUSED', 'ECONNRESET'].includes((err as { code?: string }).code ?? ''))
          throw err;
        if (Date.now() > deadline)
          throw new Error(`the functions did not load in ${timeoutMs} ms:\n${output}`, {
            cause: err,
          });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    // As firebase-tools stops it: /__/quitquitquit, then a kill if it is still there.
    await getOnce(`${base}/__/quitquitquit`).catch(() => undefined);
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
    ]);
    if (!stopped && child.pid !== undefined) child.kill('SIGKILL');
  }
}
