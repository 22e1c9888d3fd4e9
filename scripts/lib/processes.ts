/**
 * Process supervision for the local stack: children started in process groups of their own,
 * their output kept for failures, readiness probes, and one place that stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './project.ts';

/** What a tracked child has printed, and whether it died. */
export type Watch = {
  /** Why the child exited, with its last output; null while it runs. */
  died: () => string | null;
  output: () => string;
  /** Calls `listener` with each chunk the child prints from now on; returns an unsubscribe. */
  onOutput: (listener: (chunk: string) => void) => () => void;
};

export async function portInUse(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    return true;
  } catch (err) {
    return !String((err as Error).cause ?? err).includes('ECONNREFUSED');
  }
}

export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  died?: () => string | null,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const death = died?.();
    if (death) throw new Error(`${what} exited before it was ready:\n${death}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

/** Keeps the child's last output (echoed with its name when `verbose`) and notes its exit. */
export function track(child: ChildProcess, name: string, verbose: boolean): Watch {
  let output = '';
  let exited: string | null = null;
  const listeners = new Set<(chunk: string) => void>();
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    for (const listener of listeners) listener(chunk.toString());
    if (verbose) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => (exited = `${name} exited (${signal ?? code})\n${output}`));
  const onOutput = (listener: (chunk: string) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { died: () => exited, output: () => output, onOutput };
}

/** Signals a detached child's whole process group; one already gone is no error. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-child.pid!, signal);
    return true;
  } catch {
    return false;
  }
}

/** Asks a detached child to stop with `signal`, kills its group after `graceMs`, and again once it exits. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      // firebase-tools' own children (function workers) share its process group.
      signalGroup(child, 'SIGKILL');
      resolve();
    });
    if (!signalGroup(child, signal)) resolve();
  });
}

/**
 * What one stack started: stopped together in reverse order by stopAll(), and the children
 * killed if this process exits without it.
 */
export class Processes {
  readonly #children: ChildProcess[] = [];
  readonly #stoppers: Array<() => Promise<void>> = [];
  readonly #killChildren = () => {
    for (const child of this.#children) signalGroup(child, 'SIGKILL');
  };

  constructor() {
    process.on('exit', this.#killChildren);
  }

  /** A detached child, stopped by `stop` with the rest. */
  adopt(child: ChildProcess, stop: () => Promise<void>): void {
    this.#children.push(child);
    this.#stoppers.push(stop);
  }

  /** Something else to stop with the rest (a server in this process). */
  onStop(stop: () => Promise<void>): void {
    this.#stoppers.push(stop);
  }

  /**
   * One of scripts/lib's servers in a process of its own, on the project's own Node 22 (it runs
   * TypeScript), whatever node started this process.
   */
  startScript(script: string, args: string[], name: string, verbose: boolean): Watch {
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'node'),
      [join(ROOT, 'scripts', 'lib', script), ...args],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.adopt(child, () => stopChild(child, 'SIGTERM', 2000));
    return track(child, name, verbose);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.#stoppers.splice(0).reverse()) await stop().catch(() => {});
    process.off('exit', this.#killChildren);
  }
}
