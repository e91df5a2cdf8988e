import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  contentText,
  matchKey,
  stepToolCalls,
  type Turn,
  toTurns,
  turnIndex,
  workingDirectory,
} from './_script.js';
import type { RecordedRequest, ScriptedModel, ScriptedModelOptions, ScriptStep } from './types.js';

interface ChatRequest {
  model?: string;
  messages?: Array<{ role?: unknown; content?: unknown }>;
  tools?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Rough token estimate (4 characters per token) so cost/token figures are non-zero and stable. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const UNMATCHED: ScriptStep = { text: 'Scripted model: no script matched this conversation.' };

export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  const keys = Object.keys(options.scripts);
  const turnsByKey = new Map<string, Turn[]>(keys.map((k) => [k, toTurns(options.scripts[k] ?? [])]));
  const defaultTurns = options.defaultScript ? toTurns(options.defaultScript) : null;
  const transientCounts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function handleChat(res: ServerResponse, record: RecordedRequest): Promise<void> {
    const body = record.body as ChatRequest | null;
    if (!body || !Array.isArray(body.messages)) {
      record.reply = 'error:400';
      sendJson(res, 400, {
        error: { message: 'expected a JSON body with messages', type: 'invalid_request_error' },
      });
      return;
    }
    const messages = body.messages;
    const model = body.model ?? 'demo';
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = estimateTokens(messages.map((m) => contentText(m.content)).join('\n'));
    const isTitle = !Array.isArray(body.tools) || body.tools.length === 0;
    const key = matchKey(messages, keys);
    record.scriptKey = key;

    let step: ScriptStep;
    let sleepMs = 0;
    if (isTitle) {
      record.kind = 'title';
      step = { text: key ? `Scripted run ${key}` : 'Scripted run' };
    } else {
      const turn = turnIndex(messages);
      record.turn = turn;
      const turns = key ? turnsByKey.get(key) : defaultTurns;
      const played = turns?.[turn];
      if (!played) {
        step = turns ? { text: 'Done.' } : UNMATCHED;
      } else {
        step = played.step;
        sleepMs = played.sleepMs;
        for (const [i, transient] of played.transient.entries()) {
          const counter = `${key ?? '*'}#${turn}#${i}`;
          const count = transientCounts.get(counter) ?? 0;
          if (count < (transient.times ?? 0)) {
            transientCounts.set(counter, count + 1);
            step = transient;
            break;
          }
        }
      }
    }

    if (sleepMs > 0) await sleep(sleepMs);
    if (closed || res.destroyed) return;

    if (step.hang) {
      record.reply = 'hang';
      return; // never answer; close() destroys the socket
    }
    if (step.error !== undefined) {
      record.reply = `error:${step.error}`;
      const headers: Record<string, string> = {};
      // OpenCode retries retryable provider errors with a 2 s → 30 s backoff unless the reply says how long
      // to wait; a short default keeps scripted 5xx runs bounded (OpenCode gives up after a few attempts).
      const retryAfterMs = step.retryAfterMs ?? (step.error >= 500 || step.error === 429 ? 50 : undefined);
      if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
      sendJson(
        res,
        step.error,
        {
          error: {
            message: step.message ?? `scripted error ${step.error}`,
            type: step.error >= 500 ? 'server_error' : 'invalid_request_error',
            code: null,
          },
        },
        headers,
      );
      return;
    }

    const workdir = workingDirectory(messages);
    const toolCalls = stepToolCalls(step, workdir, `call_${id.slice(-8)}`);
    const text = step.text ?? (toolCalls.length === 0 ? 'Done.' : '');
    const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
    record.reply = toolCalls.length > 0 ? 'tool_calls' : 'text';
    const completionTokens = estimateTokens(text + toolCalls.map((c) => c.name + c.arguments).join(''));
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };

    if (!body.stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text.length > 0 ? text : null,
              ...(toolCalls.length > 0
                ? {
                    tool_calls: toolCalls.map((c) => ({
                      id: c.id,
                      type: 'function',
                      function: { name: c.name, arguments: c.arguments },
                    })),
                  }
                : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }, null));
    if (text.length > 0) {
      // A few pieces, as a real model would stream them.
      const size = Math.max(16, Math.ceil(text.length / 3));
      for (let i = 0; i < text.length; i += size) send(chunk({ content: text.slice(i, i + size) }, null));
    }
    for (const [index, call] of toolCalls.entries()) {
      send(
        chunk(
          {
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          },
          null,
        ),
      );
      const half = Math.ceil(call.arguments.length / 2);
      for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
        if (piece.length > 0) send(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
      }
    }
    send(chunk({}, finishReason));
    if (body.stream_options?.include_usage) {
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    }
    res.write('data: [DONE]\n\n');
    res.end();
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let parsed: unknown = null;
      try {
        parsed = raw.length > 0 ? JSON.parse(raw) : null;
      } catch {
        parsed = null;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        body: parsed,
        kind: 'other',
        scriptKey: null,
        turn: null,
        reply: null,
        at: Date.now(),
      };
      requests.push(record);
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        record.kind = 'models';
        record.reply = 'models';
        sendJson(res, 200, {
          object: 'list',
          data: [{ id: 'demo', object: 'model', created: 0, owned_by: 'scripted-model' }],
        });
        return;
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
        record.kind = 'agent';
        await handleChat(res, record);
        return;
      }
      record.reply = 'error:404';
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: 'not_found' } });
    })().catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { error: { message: String(error), type: 'server_error' } });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
