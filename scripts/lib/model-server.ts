/**
 * A local OpenAI-compatible chat completions server, for tests, the benchmark and offline demos.
 *
 * By default it answers like a model that follows its grounding: the first site procedure in
 * the system prompt becomes the reply, its urgency and its title the source. Tests script
 * other behaviour (errors, slowness, malformed output, refusals) by queueing responses.
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listenLocally } from './local-server.ts';
import { pathToFileURL } from 'node:url';

export type Scripted = {
  status?: number;
  /** The assistant message content (ignored for error statuses). */
  content?: string;
  refusal?: string;
  /** Delay before answering, ms. */
  delayMs?: number;
};

type ChatRequest = { model: string; messages: Array<{ role: string; content: string }> };

/** What a grounded model would say: the first procedure listed in the system prompt. */
export function groundedAnswer(request: ChatRequest): string {
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  const first = /^- (.+?) \[(CRITICAL|URGENT|NORMAL)\]: (.+)$/m.exec(system);
  if (!first)
    return JSON.stringify({
      reply: 'Tell me what is happening and where you are.',
      urgency: 'NORMAL',
      sources: [],
      handoff: false,
    });
  return JSON.stringify({
    reply: first[3],
    urgency: first[2],
    sources: [first[1]],
    handoff: false,
  });
}

export class ModelServer {
  readonly requests: ChatRequest[] = [];
  private readonly script: Scripted[] = [];
  /** Added to every answer, to stand in for the model's own time. */
  latencyMs = 0;
  private server: Server | null = null;
  port = 0;

  /** The next responses, in order; after them the grounded default resumes. */
  enqueue(...responses: Scripted[]) {
    this.script.push(...responses);
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        // Control for tests in another process: queue scripted responses, set the latency.
        if (req.method === 'POST' && req.url === '/control/script') {
          this.enqueue(...(JSON.parse(body) as Scripted[]));
          res.writeHead(204).end();
          return;
        }
        if (req.method === 'POST' && req.url === '/control/latency') {
          this.latencyMs = (JSON.parse(body) as { ms: number }).ms;
          res.writeHead(204).end();
          return;
        }
        if (req.method === 'GET' && req.url === '/control/requests') {
          res
            .writeHead(200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify(this.requests));
          return;
        }
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404).end();
          return;
        }
        const request = JSON.parse(body) as ChatRequest;
        this.requests.push(request);
        const step = this.script.shift() ?? {};
        setTimeout(() => this.answer(res, request, step), this.latencyMs + (step.delayMs ?? 0));
      });
    });
    this.port = await listenLocally(this.server, port);
    return this;
  }

  private answer(res: import('node:http').ServerResponse, request: ChatRequest, step: Scripted) {
    if (res.destroyed) return;
    const status = step.status ?? 200;
    if (status !== 200) {
      res
        .writeHead(status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: { message: `scripted ${status}`, type: 'server_error' } }));
      return;
    }
    const content = step.refusal ? null : (step.content ?? groundedAnswer(request));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content, refusal: step.refusal ?? null },
          },
        ],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      }),
    );
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

// As a program (`node model-server.ts [port] [latencyMs]`): a grounded local model for `npm start`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await new ModelServer().start(Number(process.argv[2] ?? 0));
  server.latencyMs = Number(process.argv[3] ?? 0);
  console.log(`local model server: ${server.baseUrl} (latency ${server.latencyMs} ms)`);
}
