/**
 * Web push on Firefox ESR: the FCM service worker is built as a classic script (no import or
 * export anywhere in it) and the page registers it as one. Firefox before 147 runs no module
 * service worker (https://web-platform-dx.github.io/web-features-explorer/features/js-modules-service-workers).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_WORKER, buildServiceWorker } from '../../../scripts/lib/service-worker.ts';
import { ROOT } from '../../../scripts/lib/project.ts';

let outDir = '';
let worker = '';
beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'aurora-sw-'));
  await buildServiceWorker(outDir);
  worker = readFileSync(join(outDir, SERVICE_WORKER.fileName), 'utf8');
}, 30_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the FCM service worker', () => {
  it('compiles as a classic script: an import or export statement anywhere would be a syntax error', () => {
    expect(() => new Script(worker, { filename: SERVICE_WORKER.fileName })).not.toThrow();
    // A module's import, as the worker built as a second entry of the page had, does not.
    expect(() => new Script('import{a as e}from"./assets/index.esm.js";e();')).toThrow(SyntaxError);
  });

  it('is one file that loads nothing else: no chunk beside it, no import(), no import.meta', () => {
    expect(readdirSync(outDir)).toEqual([SERVICE_WORKER.fileName]);
    expect(worker).not.toMatch(/\bimport\s*\(/);
    expect(worker).not.toMatch(/\bimport\.meta\b/);
    // The Firebase SDK is inside it, not fetched.
    expect(worker).toContain('@firebase/messaging');
  });

  it('is registered as a classic worker, at the name the build gives it', () => {
    const page = readFileSync(join(ROOT, 'hosting', 'src', 'ui', 'notifications.ts'), 'utf8');
    // Whatever the formatter does with the call's layout: its arguments, whitespace and trailing comma aside.
    const registrations = [...page.matchAll(/serviceWorker\.register\(([^;]*)\);/g)].map((m) =>
      m[1]!.trim().replace(/,$/, ''),
    );
    expect(registrations).toEqual([`\`/${SERVICE_WORKER.fileName}?config=\${config}\``]);
  });
});
