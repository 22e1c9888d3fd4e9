import { defineConfig } from 'vite';

// The dashboard is built into hosting/dist, which firebase.json serves.
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1200 },
  logLevel: 'warn',
});
