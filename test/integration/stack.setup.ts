/** Starts the local stack once for the integration tests, seeds it, and stops it afterwards. */
import { deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getDatabase } from 'firebase-admin/database';
import { getFirestore } from 'firebase-admin/firestore';
import { DEMO_ADMIN, grantAdmin } from '../../scripts/lib/admins.ts';
import { seedProcedures, seedWorkers } from '../../scripts/lib/seed.ts';
import { ModelServer } from '../../scripts/lib/model-server.ts';
import { LOCAL_DEFAULTS, localAdminApp } from '../../scripts/lib/project.ts';
import { startStack } from '../../scripts/lib/stack.ts';
import { TEST_MODEL } from '../helpers/model.ts';
import { ESCALATION_SECONDS, ON_CALL } from '../helpers/escalation.ts';

export default async function setup() {
  const started = Date.now();
  // The functions answer through a local OpenAI-compatible model server the tests can script.
  const model = await new ModelServer().start(TEST_MODEL.port);
  const stack = await startStack({
    ...LOCAL_DEFAULTS,
    model: {
      apiKey: 'local-test-key',
      baseUrl: model.baseUrl,
      model: TEST_MODEL.primary,
      fallbackModel: TEST_MODEL.fallback,
      budgetMs: TEST_MODEL.budgetMs,
    },
    verbose: process.env.AURORA_STACK_VERBOSE === '1',
    // Short, so the escalation tests do not wait a minute.
    escalation: { afterSeconds: ESCALATION_SECONDS, onCallNumbers: ON_CALL },
    // Swept on demand (POST /sweep), so no sweep lands in the middle of another test.
    sweepEverySeconds: 0,
  });
  const app = localAdminApp('seed');
  await seedWorkers(getFirestore(app));
  await seedProcedures(getFirestore(app));
  await grantAdmin(
    { auth: getAuth(app), db: getDatabase(app), firestore: getFirestore(app) },
    DEMO_ADMIN.email,
    DEMO_ADMIN.password,
    DEMO_ADMIN.phone,
  );
  await deleteApp(app);
  console.log(
    `local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Realtime Database: ${stack.rtdb}; database triggers: ${stack.triggers})`,
  );
  return async () => {
    await stack.stop();
    await model.stop();
  };
}
