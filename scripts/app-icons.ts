/**
 * Writes the dashboard's app icons into hosting/public/icons (Vite copies hosting/public to the
 * root of hosting/dist, which Hosting serves). Run after changing the drawing in
 * scripts/lib/app-icons.ts: `node scripts/app-icons.ts`. A unit test fails while the committed
 * icons differ from the drawing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { iconFiles } from './lib/app-icons.ts';
import { ROOT } from './lib/project.ts';

const PUBLIC = join(ROOT, 'hosting', 'public');
for (const [path, bytes] of iconFiles()) {
  const file = join(PUBLIC, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  console.log(`${path}: ${bytes.length} bytes`);
}
