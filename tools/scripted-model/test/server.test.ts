import { afterEach, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { opencodeConfigFor, type ScriptedModel, startScriptedModel } from '../src/index.js';

const SYSTEM = 'You are opencode.\n<env>\n  Working directory: /tmp/work/tree\n</env>';
const TOOLS = [
  { type: 'function', function: { name: 'write', parameters: { type: 'object', properties: {} } } },
];

let model: ScriptedModel | null = null;
afterEach(async () => {
  await model?.close();
  model = null;
});

type Msg = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string };

function chat(url: string, messages: Msg[], extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    body: JSON.stringify({ model: 'demo', messages, tools: TOOLS, tool_choice: 'auto', ...extra }),
  });
}

function userTurn(text: string): Msg[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: text },
  ];
}

/** Parse an SSE body into its `data:` payloads. */
async function sse(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => b.slice(6))
    .map((d) => (d === '[DONE]' ? '[DONE]' : JSON.parse(d)));
}

function expectCompletionShape(body: Record<string, unknown>): void {
  expect(body.object).toBe('chat.completion');
  expect(typeof body.id).toBe('string');
  expect(typeof body.created).toBe('number');
  expect(body.model).toBe('demo');
  const choices = body.choices as Array<Record<string, unknown>>;
  expect(choices).toHaveLength(1);
  expect(choices[0]?.index).toBe(0);
  expect((choices[0]!.message as { role: string }).role).toBe('assistant');
  expect(['stop', 'tool_calls']).toContain(choices[0]?.finish_reason);
  const usage = body.usage as Record<string, number>;
  expect(usage.total_tokens).toBe((usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0));
}

describe('exports', () => {
  it('pins the export names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'isolatedOpencodeEnv',
      'opencodeConfigFor',
      'startScriptedModel',
    ]);
  });
});

describe('startScriptedModel', () => {
  it('answers GET /v1/models with an OpenAI list', async () => {
    model = await startScriptedModel({ scripts: {} });
    expect(model.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${model.url}/v1/models`);
    const body = (await res.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({ id: 'demo', object: 'model' });
  });

  it('replays a tool-call turn then a final text (non-streaming), by assistant-turn count', async () => {
    model = await startScriptedModel({
      scripts: {
        T006: [{ tool: 'write', args: { filePath: 'src/a.ts', content: 'x' } }, { text: 'All done.' }],
      },
    });
    const first = await chat(model.url, userTurn('# Task T006: do it'));
    const b1 = (await first.json()) as Record<string, unknown>;
    expectCompletionShape(b1);
    const choice = (b1.choices as Array<Record<string, unknown>>)[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const message = choice.message as { content: unknown; tool_calls: Array<Record<string, unknown>> };
    expect(message.tool_calls).toHaveLength(1);
    const call = message.tool_calls[0] as {
      id: string;
      type: string;
      function: { name: string; arguments: string };
    };
    expect(call.type).toBe('function');
    expect(call.function.name).toBe('write');
    // relative filePath is made absolute against OpenCode's announced working directory
    expect(JSON.parse(call.function.arguments)).toEqual({
      filePath: '/tmp/work/tree/src/a.ts',
      content: 'x',
    });

    const second = await chat(model.url, [
      ...userTurn('# Task T006: do it'),
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: 'Wrote file successfully.' },
    ]);
    const b2 = (await second.json()) as Record<string, unknown>;
    expectCompletionShape(b2);
    const c2 = (b2.choices as Array<Record<string, unknown>>)[0]!;
    expect(c2.finish_reason).toBe('stop');
    expect((c2.message as { content: string }).content).toBe('All done.');
    expect(model.requests.map((r) => [r.scriptKey, r.turn, r.reply])).toEqual([
      ['T006', 0, 'tool_calls'],
      ['T006', 1, 'text'],
    ]);
  });

  it('streams SSE chunks in the chat.completion.chunk shape, with tool-call fragments and usage', async () => {
    model = await startScriptedModel({
      scripts: { T007: [{ tool: 'bash', args: { command: 'echo {{workdir}}', description: 'echo' } }] },
    });
    const res = await chat(model.url, userTurn('T007 run'), {
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = await sse(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Array<{
      object: string;
      id: string;
      choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
      usage?: Record<string, number>;
    }>;
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.id).toBe(chunks[0]!.id);
    }
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const args = chunks
      .flatMap((c) => c.choices)
      .flatMap(
        (ch) => (ch.delta.tool_calls as Array<{ function?: { arguments?: string } }> | undefined) ?? [],
      )
      .map((t) => t.function?.arguments ?? '')
      .join('');
    expect(JSON.parse(args)).toEqual({ command: 'echo /tmp/work/tree', description: 'echo' });
    const header = chunks[1]!.choices[0]!.delta.tool_calls as Array<Record<string, unknown>>;
    expect(header[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'bash', arguments: '' },
    });
    expect(chunks.flatMap((c) => c.choices).at(-1)?.finish_reason).toBe('tool_calls');
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams a final text as content deltas ending with finish_reason stop', async () => {
    model = await startScriptedModel({
      scripts: { T001: [{ text: 'A reasonably long final message for T001.' }] },
    });
    const events = await sse(await chat(model.url, userTurn('T001'), { stream: true }));
    const chunks = events.slice(0, -1) as Array<{
      choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
    }>;
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
      'A reasonably long final message for T001.',
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers title requests (no tools) without consuming a turn', async () => {
    model = await startScriptedModel({ scripts: { T002: [{ error: 500 }] } });
    const res = await chat(model.url, userTurn('T002'), { tools: undefined });
    expect(res.status).toBe(200);
    expect(model.requests[0]).toMatchObject({ kind: 'title', scriptKey: 'T002', reply: 'text' });
  });

  it('returns HTTP 500 for {error: 500} (every time), with retry-after-ms when asked', async () => {
    model = await startScriptedModel({
      scripts: { T003: [{ error: 500, message: 'upstream broke', retryAfterMs: 5 }] },
    });
    for (let i = 0; i < 2; i++) {
      const res = await chat(model.url, userTurn('T003'));
      expect(res.status).toBe(500);
      expect(res.headers.get('retry-after-ms')).toBe('5');
      expect(await res.json()).toEqual({
        error: { message: 'upstream broke', type: 'server_error', code: null },
      });
    }
  });

  it('{error, times} fails that many requests, then the turn replies', async () => {
    model = await startScriptedModel({ scripts: { T004: [{ error: 503, times: 1 }, { text: 'ok' }] } });
    expect((await chat(model.url, userTurn('T004'))).status).toBe(503);
    const res = await chat(model.url, userTurn('T004'));
    expect(res.status).toBe(200);
    expect(model.requests.map((r) => r.reply)).toEqual(['error:503', 'text']);
  });

  it('sleeps for {sleepMs} before the next reply, and hangs on {hang: true} until closed', async () => {
    model = await startScriptedModel({
      scripts: {
        T005: [{ sleepMs: 150 }, { tool: 'write', args: { filePath: 'a', content: '' } }, { hang: true }],
      },
    });
    const t0 = Date.now();
    await (await chat(model.url, userTurn('T005'))).json();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const pending = chat(model.url, [...userTurn('T005'), { role: 'assistant', content: 'x' }]).then(
      () => 'answered',
      () => 'aborted',
    );
    const raced = await Promise.race([
      pending,
      new Promise((r) => setTimeout(() => r('still hanging'), 200)),
    ]);
    expect(raced).toBe('still hanging');
    await model.close();
    model = null;
    expect(await pending).toBe('aborted');
  });

  it('matches the earliest key in the user messages, with word boundaries, and falls back to defaultScript', async () => {
    model = await startScriptedModel({
      scripts: { T001: [{ text: 'one' }], T010: [{ text: 'ten' }] },
      defaultScript: [{ text: 'default' }],
    });
    const reply = async (text: string) =>
      (
        (await (await chat(model!.url, userTurn(text))).json()) as {
          choices: Array<{ message: { content: string } }>;
        }
      ).choices[0]!.message.content;
    expect(await reply('# Task T010 (depends on T001)')).toBe('ten');
    expect(await reply('T0011 is not T001x')).toBe('default');
    expect(model.requests[1]?.scriptKey).toBeNull();
  });

  it('records every request with its parsed body, path and headers', async () => {
    model = await startScriptedModel({ scripts: {} });
    await chat(model.url, userTurn('spec content here'));
    await fetch(`${model.url}/nope`);
    expect(model.requests).toHaveLength(2);
    expect(model.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', kind: 'agent' });
    expect(JSON.stringify(model.requests[0]?.body)).toContain('spec content here');
    expect(model.requests[0]?.headers.authorization).toBe('Bearer x');
    expect(model.requests[1]).toMatchObject({ method: 'GET', path: '/nope', reply: 'error:404' });
  });
});

describe('opencodeConfigFor', () => {
  it('builds an openai-compatible provider pointing at /v1 with a never-ask permission', () => {
    const config = opencodeConfigFor('http://127.0.0.1:1234');
    expect(config).toMatchObject({
      provider: {
        scripted: { npm: '@ai-sdk/openai-compatible', options: { baseURL: 'http://127.0.0.1:1234/v1' } },
      },
      model: 'scripted/demo',
      small_model: 'scripted/demo',
      permission: 'allow',
    });
    expect(opencodeConfigFor('http://h/v1/', { providerId: 'p', modelId: 'm' })).toMatchObject({
      provider: { p: { options: { baseURL: 'http://h/v1' }, models: { m: { tool_call: true } } } },
      model: 'p/m',
    });
  });
});
