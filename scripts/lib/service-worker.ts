/**
 * The FCM service worker (hosting/src/firebase-messaging-sw.ts) as a classic script: one IIFE
 * with no import or export, registered without `type: 'module'`. A module service worker does
 * not run in Firefox before 147, so not in Firefox ESR, where web push would silently never
 * register (https://web-platform-dx.github.io/web-features-explorer/features/js-modules-service-workers).
 * It is a build of its own: as a second entry of the page's build it shared the Firebase SDK
 * with the page through an `import` of a common chunk, which only a module worker can load.
 */
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'vite';
import { ROOT } from './project.ts';

/** The worker's source, and its name at the site's root, where the page registers it (hosting/src/ui/notifications.ts). */
export const SERVICE_WORKER = {
  entry: join(ROOT, 'hosting', 'src', 'firebase-messaging-sw.ts'),
  fileName: 'firebase-messaging-sw.js',
};

/** Builds the worker into `outDir` (leaving the rest of it alone) as one self-contained classic script. */
export async function buildServiceWorker(
  outDir: string,
  { entry = SERVICE_WORKER.entry, fileName = SERVICE_WORKER.fileName } = {},
): Promise<void> {
  await build({
    configFile: false,
    root: join(ROOT, 'hosting'),
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: false,
      copyPublicDir: false,
      target: 'es2022',
      // One input as an IIFE: everything it imports is inlined (dynamic imports too), nothing is left to load.
      rollupOptions: { input: entry, output: { format: 'iife', entryFileNames: fileName } },
    },
  });
}

/** The Vite plugin: once the dashboard is written, the worker is built beside it. */
export function classicServiceWorker(): Plugin {
  let outDir = '';
  return {
    name: 'aurora-classic-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await buildServiceWorker(outDir);
    },
  };
}
