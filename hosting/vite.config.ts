import { defineConfig } from 'vite';
import { modelSource } from '../model/source.mts';
import { deploymentAssets } from '../scripts/lib/hosting-build.ts';
import { classicServiceWorker } from '../scripts/lib/service-worker.ts';

// The dashboard is built into hosting/dist, which firebase.json serves. The FCM service worker
// is built after it, on its own, as a classic script with a fixed name at the root, where the
// page registers it (scripts/lib/service-worker.ts). The deployment's assets (the functions'
// region, the fallback line's TwiML) come from scripts/lib/hosting-build.ts.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [deploymentAssets(), classicServiceWorker()],
  resolve: { alias: modelSource },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  logLevel: 'warn',
});
