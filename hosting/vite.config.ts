import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { modelSource } from '../model/source.mts';
import { deploymentAssets } from '../scripts/lib/hosting-build.ts';

// The dashboard is built into hosting/dist, which firebase.json serves. The FCM service worker
// is a second entry with a fixed name at the root, where the page registers it. The deployment's
// assets (the functions' region, the fallback line's TwiML) come from scripts/lib/hosting-build.ts.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [deploymentAssets()],
  resolve: { alias: modelSource },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: { main: resolve(import.meta.dirname, 'index.html'), 'firebase-messaging-sw': resolve(import.meta.dirname, 'src/firebase-messaging-sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'firebase-messaging-sw' ? '[name].js' : 'assets/[name]-[hash].js') },
    },
  },
  logLevel: 'warn',
});
