/**
 * The admin script's (and preflight's fallback) database when only --project is given: the
 * project's default instance where it was created, which FUNCTIONS_REGION names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDatabaseUrl, projectDatabaseUrl } from '../../../scripts/lib/deploy-env.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function functionsDir(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-dburl-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('a project’s default database URL', () => {
  it('is on firebaseio.com in us-central1 and on <region>.firebasedatabase.app anywhere else', () => {
    expect(defaultDatabaseUrl('my-plant', 'us-central1')).toBe(
      'https://my-plant-default-rtdb.firebaseio.com',
    );
    expect(defaultDatabaseUrl('my-plant', 'europe-west1')).toBe(
      'https://my-plant-default-rtdb.europe-west1.firebasedatabase.app',
    );
    expect(defaultDatabaseUrl('my-plant', 'asia-southeast1')).toBe(
      'https://my-plant-default-rtdb.asia-southeast1.firebasedatabase.app',
    );
  });

  it('follows FUNCTIONS_REGION in the project’s env file, us-central1 when it names none', () => {
    expect(
      projectDatabaseUrl(
        functionsDir({ '.env.my-plant': 'FUNCTIONS_REGION=europe-west1\n' }),
        'my-plant',
      ),
    ).toBe('https://my-plant-default-rtdb.europe-west1.firebasedatabase.app');
    expect(
      projectDatabaseUrl(
        functionsDir({ '.env.other': 'FUNCTIONS_REGION=europe-west1\n' }),
        'my-plant',
      ),
    ).toBe('https://my-plant-default-rtdb.firebaseio.com');
    expect(projectDatabaseUrl(functionsDir({}), 'my-plant')).toBe(
      'https://my-plant-default-rtdb.firebaseio.com',
    );
  });
});
