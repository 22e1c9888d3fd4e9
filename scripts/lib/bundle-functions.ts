/**
 * The functions as they deploy and as the emulator runs them: one CommonJS file,
 * functions/dist/index.js, holding Aurora's own code and the shared model (@aurora/model is a
 * workspace package, which Cloud Build's install in functions/ could never fetch). Every
 * package functions/package.json depends on stays external: Cloud Build installs those from
 * functions/package-lock.json (scripts/lib/functions-lockfile.ts), and
 * firebase-functions must be the copy firebase-tools and the runtime load to discover the
 * functions. `npm run build` runs this after tsc (which type-checks, and compiles functions/lib
 * for the scripts that load single handlers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { modelEntries } from '../../model/source.mts';
import { ROOT } from './project.ts';

const functionsDir = join(ROOT, 'functions');

/** The packages the bundle leaves to `npm install`: exactly functions/package.json's dependencies. */
export function bundleExternals(): string[] {
  const manifest = JSON.parse(readFileSync(join(functionsDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).flatMap((name) => [name, `${name}/*`]);
}

export async function bundleFunctions(): Promise<void> {
  await build({
    entryPoints: [join(functionsDir, 'src', 'index.ts')],
    outfile: join(functionsDir, 'dist', 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: true,
    external: bundleExternals(),
    alias: modelEntries,
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await bundleFunctions();
