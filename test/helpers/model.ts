/** The local model server the integration stack's functions talk to, and its controls. */
import { MODEL_PORT } from '../../scripts/lib/project.ts';

export const TEST_MODEL = {
  port: MODEL_PORT,
  primary: 'aurora-test-model',
  fallback: 'aurora-test-fallback',
  budgetMs: 3000,
};

const control = `http://127.0.0.1:${TEST_MODEL.port}/control`;

export async function scriptModel(
  ...responses: Array<{ status?: number; content?: string; delayMs?: number }>
) {
  await fetch(`${control}/script`, { method: 'POST', body: JSON.stringify(responses) });
}

export async function modelRequests(): Promise<
  Array<{ model: string; messages: Array<{ role: string; content: string }> }>
> {
  return (await fetch(`${control}/requests`)).json() as never;
}
