/**
 * agentic-sdlc (`asdlc`) tools for OpenCode — installed by `asdlc init opencode`, removed by
 * `asdlc init opencode --remove`. Do not edit here: your changes would be kept, but `--remove` and upgrades
 * then leave this file alone.
 *
 * Tools: asdlc_tasks, asdlc_dispatch, asdlc_status, asdlc_logs. They call the `asdlc` CLI's --json interfaces:
 * `ASDLC_BIN` (a path; `.js` files run with node), else `asdlc` on PATH, else `npx --no-install asdlc`.
 * While a dispatched run goes on, its progress is posted into the session that dispatched it (or asked for its
 * status): `[asdlc <run> <task>] started / succeeded: <sha> on <branch> / failed: <reason>`, plus a few notable
 * agent lines, throttled.
 *
 * No import other than `node:` built-ins and type-only declarations: OpenCode installs `@opencode-ai/plugin`
 * into `.opencode/` at start, and when that install fails (offline) this file still loads. Tool arguments are
 * given as JSON Schema, which OpenCode 1.18 passes through to the model as they are.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// ── The slice of OpenCode's plugin API used here (from @opencode-ai/plugin 1.18, declared locally) ──

interface ToolContext {
  sessionID: string;
  messageID?: string;
  agent?: string;
  directory?: string;
  worktree?: string;
  abort?: AbortSignal;
}
interface ToolResult {
  title: string;
  output: string;
  metadata: Record<string, unknown>;
}
type JsonSchema = Record<string, unknown>;
interface ToolDefinition {
  description: string;
  args: Record<string, JsonSchema>;
  execute(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}
interface TextPart {
  type: 'text';
  text: string;
}
interface OpencodeClient {
  session: {
    prompt(options: {
      path: { id: string };
      body: { noReply?: boolean; parts: TextPart[] };
    }): Promise<unknown>;
  };
  tui?: {
    showToast?(options: {
      body: { message: string; variant: 'info' | 'success' | 'warning' | 'error' };
    }): Promise<unknown>;
  };
}
interface PluginInput {
  client: OpencodeClient;
  directory: string;
  worktree?: string;
}
interface Hooks {
  tool?: Record<string, ToolDefinition>;
  event?(input: { event: { type: string; properties?: Record<string, unknown> } }): Promise<void>;
  'tool.definition'?(
    input: { toolID: string },
    output: { description: string; parameters: unknown; jsonSchema?: unknown },
  ): Promise<void>;
}

/** Tunables (tests shorten the intervals). OpenCode passes a plugin's configured options as 2nd argument. */
export interface AsdlcPluginOptions {
  /** Lines are gathered for this long, then posted as one message, ms (default 1500). */
  flushMs?: number;
  /** At most one notable agent line per task this often, ms (default 10000). */
  notableEveryMs?: number;
  /** At most this many notable agent lines per task and run (default 8). */
  maxNotablePerTask?: number;
  /** How often asdlc_status re-reads a run while it waits, ms (default 2000). */
  pollMs?: number;
  /** Environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where runs are read from (default: the asdlc CLI). */
  reader?: RunReader;
}

// ── Bounds ──

const LOGS_DEFAULT_LINES = 40;
const LOGS_MAX_LINES = 200;
/** What asdlc_logs returns at most, in bytes (UTF-8), whatever the arguments. */
export const LOGS_MAX_BYTES = 12 * 1024;
const LOG_LINE_MAX_CHARS = 400;
const STATUS_MAX_CHARS = 6000;
const WAIT_MAX_SECONDS = 600;
const CLI_OUTPUT_MAX = 8 * 1024 * 1024;
const CLI_TIMEOUT_MS = 120_000;
const POST_LINE_MAX_CHARS = 300;

// ── Redaction: the log-multiplexer redactor (packages/log-multiplexer/src/redactor.ts), kept verbatim ──

export const REDACTED = '[redacted]';

/** Values shorter than this are not redacted: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Returns a function that replaces every occurrence of any of `secrets` with `[redacted]`.
 * Longer values are matched first so a secret containing another is hidden whole.
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const values = [
    ...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)),
  ];
  if (values.length === 0) return (text) => text;
  values.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

/** The values of the named environment variables that are set (for `createRedactor`). */
export function secretValuesFromEnv(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value) out.push(value, ...value.split(/\r?\n/).filter((l) => l.trim().length >= 16));
  }
  return out;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ── Redaction of this plugin, on top of the run's own ──

/** The names `asdlc run` redacts, plus every variable whose name says it holds a secret. */
const SECRET_NAME = /(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|PRIVATE_KEY|ACCESS_KEY)(_|$)/i;
const KNOWN_SECRET_NAMES = ['GIT_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY'];
/** Well-known token shapes, hidden even when their value is not in this process's environment. */
const TOKEN_SHAPES =
  /\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g;

export function redactorFor(env: NodeJS.ProcessEnv): (text: string) => string {
  const names = new Set(KNOWN_SECRET_NAMES);
  for (const name of Object.keys(env)) if (SECRET_NAME.test(name)) names.add(name);
  for (const name of (env.ASDLC_REDACT_ENV ?? '').split(/[\s,]+/)) if (name) names.add(name);
  // The git token's env var, whatever its name (the profile's secrets.gitToken.env).
  if (env.ASDLC_GIT_TOKEN_ENV?.trim()) names.add(env.ASDLC_GIT_TOKEN_ENV.trim());
  // Short values (a "1" flag in FOO_TOKEN_ENABLED) would mask ordinary text.
  const values = secretValuesFromEnv(names, env).filter((v) => v.length >= 8);
  const byValue = createRedactor(values);
  return (text) => byValue(text).replace(TOKEN_SHAPES, REDACTED);
}

// ── The asdlc CLI ──

export interface CliCommand {
  cmd: string;
  args: string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `ASDLC_BIN`, else `asdlc` on PATH, else `npx --no-install asdlc`. */
export function resolveAsdlc(env: NodeJS.ProcessEnv): CliCommand {
  const bin = env.ASDLC_BIN?.trim();
  if (bin) return /\.[cm]?js$/.test(bin) ? { cmd: 'node', args: [bin] } : { cmd: bin, args: [] };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'asdlc');
    if (isExecutable(candidate)) return { cmd: candidate, args: [] };
  }
  return { cmd: 'npx', args: ['--no-install', 'asdlc'] };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(
  cli: CliCommand,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (result: CliResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(cli.cmd, [...cli.args, ...args], {
      cwd: options.cwd,
      env: { ...options.env, PWD: options.cwd, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      done({ code: 124, stdout, stderr: `${stderr}\nasdlc did not answer within ${options.timeoutMs}ms` });
    }, options.timeoutMs ?? CLI_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < CLI_OUTPUT_MAX) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    child.on('error', (error) =>
      done({ code: 127, stdout, stderr: `cannot start ${cli.cmd}: ${error.message}` }),
    );
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

function cliLabel(cli: CliCommand): string {
  return [cli.cmd, ...cli.args].join(' ');
}

// ── Run reader: the ONE place that knows where a run's state and events come from ──
// `asdlc status <run> --json` and `asdlc logs --run <run> --json [--tail N] [-f]` (local and k8s runs alike).

/** One task of `asdlc status --json`. */
export interface RunTask {
  id: string;
  title?: string;
  /** pending | running | … | succeeded | failed | timed-out | no-changes | cancelled | blocked | stale */
  state: string;
  outcome?: string | null;
  branch?: string | null;
  sha?: string | null;
  reason?: string | null;
}
/** `asdlc status --json`. */
export interface RunState {
  runId: string;
  executor?: string;
  /** running | finished | interrupted | detached | stale */
  state: string;
  finishedAt?: string | null;
  tasks: RunTask[];
}
/** A record of `asdlc logs --json` (the run's events.ndjson). */
export interface RunEvent {
  type: 'log' | 'status';
  task: string;
  ts?: string;
  line?: string;
  state?: string;
  message?: string;
  data?: Record<string, unknown>;
}

export interface RunReader {
  status(runId: string | undefined): Promise<{ run: RunState } | { error: string }>;
  logs(
    runId: string,
    task: string | undefined,
    tail: number,
  ): Promise<{ events: RunEvent[] } | { error: string }>;
  /** Streams the run's records until it ends; `done` settles with the follower's exit code. */
  follow(runId: string, onEvent: (e: RunEvent) => void): { done: Promise<number>; stop(): void };
}

function parseEvents(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    const e = parseEvent(line);
    if (e) out.push(e);
  }
  return out;
}

function parseEvent(line: string): RunEvent | null {
  if (!line.trim().startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as RunEvent;
    return value && (value.type === 'log' || value.type === 'status') && typeof value.task === 'string'
      ? value
      : null;
  } catch {
    return null;
  }
}

export function cliRunReader(cli: CliCommand, cwd: string, env: NodeJS.ProcessEnv): RunReader {
  const failure = (argv: string[], res: CliResult) =>
    `${cliLabel(cli)} ${argv.join(' ')} exited ${res.code}: ${(res.stderr.trim() || res.stdout.trim()).slice(0, 2000)}`;
  return {
    async status(runId) {
      const argv = ['status', ...(runId ? [runId] : []), '--json'];
      const res = await runCli(cli, argv, { cwd, env });
      try {
        const run = JSON.parse(res.stdout) as RunState;
        if (res.code === 0 && run && typeof run.runId === 'string' && Array.isArray(run.tasks))
          return { run };
      } catch {
        // reported below
      }
      return { error: failure(argv, res) };
    },
    async logs(runId, task, tail) {
      const argv = ['logs', ...(task ? [task] : []), '--run', runId, '--tail', String(tail), '--json'];
      const res = await runCli(cli, argv, { cwd, env });
      if (res.code !== 0) return { error: failure(argv, res) };
      return { events: parseEvents(res.stdout) };
    },
    follow(runId, onEvent) {
      const child = spawn(cli.cmd, [...cli.args, 'logs', '--run', runId, '--follow', '--json'], {
        cwd,
        env: { ...env, PWD: cwd, NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let rest = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        if (rest.length > 1024 * 1024) rest = '';
        for (const line of lines) {
          const e = parseEvent(line);
          if (e) onEvent(e);
        }
      });
      const done = new Promise<number>((resolve) => {
        child.on('error', () => resolve(127));
        child.on('close', (code) => resolve(code ?? 1));
      });
      return { done, stop: () => child.kill('SIGTERM') };
    },
  };
}

// ── Formatting ──

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function shortSha(sha: unknown): string {
  return typeof sha === 'string' ? sha.slice(0, 7) : '';
}

/** One line about a task's end or state: what the main session shows. */
export function describeOutcome(task: {
  outcome?: unknown;
  branch?: unknown;
  sha?: unknown;
  reason?: unknown;
  pushed?: unknown;
}): string {
  const outcome = String(task.outcome ?? 'finished');
  if (outcome === 'succeeded') {
    const where = task.branch ? ` on ${String(task.branch)}` : '';
    return `succeeded: ${shortSha(task.sha) || 'committed'}${where}${task.pushed === false ? ' (not pushed)' : ''}`;
  }
  const reason = task.reason ? `: ${clip(String(task.reason), 200)}` : '';
  return `${outcome}${reason}`;
}

/** Agent lines worth a message: the runner's tool summaries (✓/✗), the final text (»), errors. */
const NOTABLE = /^\s*(✓|✗|»|error:|warning:|fatal:)/i;
const ALWAYS = /^\s*(✗|»|error:|fatal:)/i;

const ACTIVE = new Set(['pending', 'running', 'queued', 'scheduled', 'pulling']);

function taskDetail(t: RunTask): string {
  if (ACTIVE.has(t.state)) return t.state;
  return describeOutcome({ outcome: t.outcome ?? t.state, branch: t.branch, sha: t.sha, reason: t.reason });
}

function formatStatus(run: RunState): string {
  const counts = new Map<string, number>();
  for (const t of run.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const lines = [`run ${run.runId} (${run.executor ?? 'local'}): ${run.state} — ${summary || 'no tasks'}`];
  for (const t of run.tasks)
    lines.push(`  ${t.id}  ${taskDetail(t)}${t.title ? `  — ${clip(t.title, 80)}` : ''}`);
  return lines.join('\n');
}

/** Nothing more will happen: the run ended, or every task has an outcome. */
function runDone(run: RunState | null | undefined): boolean {
  if (!run) return false;
  if (['finished', 'interrupted', 'stale'].includes(run.state)) return true;
  return run.tasks.length > 0 && run.tasks.every((t) => !ACTIVE.has(t.state));
}

// ── Watchers: a run's progress, posted into sessions ──

interface Watch {
  runId: string;
  sessions: Set<string>;
  queue: string[];
  notable: Map<string, { last: number; count: number }>;
  /** Records already seen (a restarted follower replays the run from its start). */
  seen: number;
  /** Records older than this are not posted (a run watched after it started). */
  since: number;
  ended: Promise<void>;
  finished: boolean;
}

const ASDLC_TOOL_IDS = ['asdlc_tasks', 'asdlc_dispatch', 'asdlc_status', 'asdlc_logs'];

function schemaOf(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const SCHEMAS: Record<string, { properties: Record<string, JsonSchema>; required?: string[] }> = {
  asdlc_tasks: {
    properties: {
      path: { type: 'string', description: 'tasks.md or its feature folder (default: the active feature)' },
      asyncOnly: { type: 'boolean', description: 'Only [ASYNC] tasks' },
      readyOnly: { type: 'boolean', description: 'Only tasks that may start now' },
    },
  },
  asdlc_dispatch: {
    properties: {
      tasks: {
        type: 'array',
        items: { type: 'string' },
        description:
          'Task ids to run, e.g. ["T006","T007"] (default: every open [ASYNC] task, each as soon as its prerequisites are done)',
      },
      path: { type: 'string', description: 'tasks.md or its feature folder (default: the active feature)' },
      executor: { type: 'string', enum: ['local', 'k8s'], description: 'Where agents run (default local)' },
      env: {
        type: 'string',
        enum: ['dev', 'stg', 'prod'],
        description: 'k8s environment (executor k8s only)',
      },
      parallel: { type: 'integer', minimum: 1, description: 'Agents at once (default 4)' },
      timeout: { type: 'string', description: 'Per-task timeout, e.g. 30m (default 2h)' },
      model: { type: 'string', description: 'provider/model for the task agents (default: ASDLC_MODEL)' },
      agentCmd: { type: 'string', description: 'Run this command as the agent instead of OpenCode' },
      allowDirty: { type: 'boolean', description: 'Run although the feature folder has uncommitted changes' },
    },
  },
  asdlc_status: {
    properties: {
      run: {
        type: 'string',
        description: 'Run id (default: the runs dispatched in this session, else the newest)',
      },
      wait: {
        type: 'integer',
        minimum: 0,
        maximum: WAIT_MAX_SECONDS,
        description: `Block up to this many seconds until the run has finished (0 = answer at once; max ${WAIT_MAX_SECONDS})`,
      },
    },
  },
  asdlc_logs: {
    properties: {
      run: { type: 'string', description: 'Run id (default: the newest run of this session, else on disk)' },
      task: { type: 'string', description: 'Task id, e.g. T006 (default: every task of the run)' },
      lines: {
        type: 'integer',
        minimum: 1,
        maximum: LOGS_MAX_LINES,
        description: `Last N lines (default ${LOGS_DEFAULT_LINES}, max ${LOGS_MAX_LINES}; at most ${LOGS_MAX_BYTES} bytes in all)`,
      },
    },
  },
};

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
function int(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.floor(n) : undefined;
}

function insideTaskRun(input: PluginInput, env: NodeJS.ProcessEnv): boolean {
  const dir = `${input.worktree ?? ''}|${input.directory ?? ''}`;
  return Boolean(env.ASDLC_RUN_ID) || dir.includes('/.agentic-sdlc/worktrees/');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The plugin function (OpenCode calls the default export's `server`; the named exports are for tests). */
export const AsdlcPlugin = async (input: PluginInput, options?: AsdlcPluginOptions): Promise<Hooks> => {
  const env = options?.env ?? process.env;
  // An agent started by asdlc for a task must not dispatch runs of its own.
  if (insideTaskRun(input, env)) return {};
  const flushMs = options?.flushMs ?? 1500;
  const pollMs = options?.pollMs ?? 2000;
  const notableEveryMs = options?.notableEveryMs ?? 10_000;
  const maxNotable = options?.maxNotablePerTask ?? 8;
  const redact = redactorFor(env);
  const cli = resolveAsdlc(env);
  const cwd = input.directory;
  const reader = options?.reader ?? cliRunReader(cli, cwd, env);
  const watches = new Map<string, Watch>();
  const sessionRuns = new Map<string, string[]>();
  const { client } = input;

  const post = async (sessionID: string, text: string) => {
    await client.session.prompt({
      path: { id: sessionID },
      body: { noReply: true, parts: [{ type: 'text', text }] },
    });
  };

  const flush = async (w: Watch) => {
    if (w.queue.length === 0) return;
    const text = w.queue.splice(0).join('\n');
    for (const id of w.sessions) await post(id, text).catch(() => undefined);
  };

  const enqueue = (w: Watch, task: string | null, text: string) => {
    w.queue.push(redact(clip(`[asdlc ${w.runId}${task ? ` ${task}` : ''}] ${text}`, POST_LINE_MAX_CHARS)));
  };

  const toast = (message: string, ok: boolean) => {
    try {
      void client.tui
        ?.showToast?.({ body: { message: redact(`asdlc ${message}`), variant: ok ? 'success' : 'warning' } })
        ?.catch(() => undefined);
    } catch {
      // no TUI (opencode run)
    }
  };

  const onEvent = (w: Watch, e: RunEvent) => {
    if (e.ts && Date.parse(e.ts) < w.since) return;
    if (e.type === 'status') {
      const state = e.state ?? '';
      if (state === 'started') {
        const message = e.message?.startsWith(`${e.task} `) ? e.message.slice(e.task.length + 1) : 'started';
        enqueue(w, e.task, clip(message, 200));
      } else if (state) {
        const text = describeOutcome({
          outcome: state,
          ...(e.data ?? {}),
          ...(e.data ? {} : { reason: e.message }),
        });
        enqueue(w, e.task, text);
        toast(`${w.runId} ${e.task} ${text}`, state === 'succeeded');
      }
      return;
    }
    const line = e.line ?? '';
    if (!NOTABLE.test(line)) return;
    const seen = w.notable.get(e.task) ?? { last: 0, count: 0 };
    const now = Date.now();
    if (seen.count >= maxNotable) return;
    if (!ALWAYS.test(line) && now - seen.last < notableEveryMs) return;
    seen.last = now;
    seen.count++;
    w.notable.set(e.task, seen);
    enqueue(w, e.task, clip(line.trim(), 200));
  };

  /** Follows a run until it ends, flushing every flushMs; then posts the run's outcome. */
  const follow = async (w: Watch) => {
    const timer = setInterval(() => void flush(w), flushMs);
    timer.unref?.();
    try {
      // The follower fails while a just-dispatched run has no record yet, and ends with the run.
      for (let attempt = 0; attempt < 60; attempt++) {
        let index = 0;
        const seenBefore = w.seen;
        const f = reader.follow(w.runId, (e) => {
          index++;
          if (index <= seenBefore) return;
          w.seen++;
          onEvent(w, e);
        });
        const code = await f.done;
        const state = await reader.status(w.runId);
        if ('run' in state && runDone(state.run)) {
          const parts = state.run.tasks.map((t) => `${t.id} ${taskDetail(t)}`);
          enqueue(w, null, `run ${state.run.state}: ${parts.join('; ')}`);
          break;
        }
        if (code === 127) {
          enqueue(w, null, `cannot follow the run: ${cliLabel(cli)} did not start`);
          break;
        }
        await sleep(1000);
      }
    } finally {
      clearInterval(timer);
      await flush(w);
      w.finished = true;
    }
  };

  const watch = (runId: string, sessionID: string, fromStart: boolean): Watch => {
    let w = watches.get(runId);
    if (!w) {
      const created: Watch = {
        runId,
        sessions: new Set(),
        queue: [],
        notable: new Map(),
        seen: 0,
        since: fromStart ? 0 : Date.now() - 1000,
        ended: Promise.resolve(),
        finished: false,
      };
      created.ended = follow(created).catch(() => undefined);
      watches.set(runId, created);
      w = created;
    }
    w.sessions.add(sessionID);
    const runs = sessionRuns.get(sessionID) ?? [];
    if (!runs.includes(runId)) sessionRuns.set(sessionID, [...runs, runId]);
    return w;
  };

  /** Progress goes to the top-level session the user sees, also when a subagent dispatched. */
  const rootSession = async (sessionID: string): Promise<string> => {
    let id = sessionID;
    const get = (client.session as { get?: (o: { path: { id: string } }) => Promise<unknown> }).get;
    if (!get) return id;
    for (let depth = 0; depth < 8; depth++) {
      try {
        const res = (await get.call(client.session, { path: { id } })) as {
          data?: { parentID?: string };
          parentID?: string;
        };
        const parent = res?.data?.parentID ?? res?.parentID;
        if (!parent) return id;
        id = parent;
      } catch {
        return id;
      }
    }
    return id;
  };

  const result = (title: string, output: string, metadata: Record<string, unknown> = {}): ToolResult => ({
    title,
    output,
    metadata,
  });

  const tools: Record<string, ToolDefinition> = {
    asdlc_tasks: {
      description:
        "The current spec-kit feature's tasks from tasks.md: id, [SYNC]/[ASYNC] mode, state (open/done) and whether each may start now. Use it to decide what to dispatch with asdlc_dispatch and what to implement yourself.",
      args: SCHEMAS.asdlc_tasks!.properties,
      async execute(args, ctx) {
        const argv = ['tasks'];
        const path = str(args.path);
        if (path) argv.push(path);
        if (args.asyncOnly === true) argv.push('--async');
        if (args.readyOnly === true) argv.push('--ready');
        argv.push('--json');
        const res = await runCli(cli, argv, { cwd: ctx.directory ?? cwd, env });
        let graph: {
          file?: string;
          feature?: string;
          tasks?: {
            id: string;
            title: string;
            mode?: string;
            state?: string;
            ready?: boolean;
            dependsOn?: string[];
          }[];
          diagnostics?: { severity: string; line: number; message: string }[];
        };
        try {
          graph = JSON.parse(res.stdout);
        } catch {
          return result(
            'asdlc tasks failed',
            redact(
              clip(
                `${cliLabel(cli)} ${argv.join(' ')} exited ${res.code}: ${res.stderr || res.stdout}`,
                4000,
              ),
            ),
          );
        }
        const tasks = graph.tasks ?? [];
        const lines = tasks.slice(0, 150).map((t) => {
          const mode = t.mode && t.mode !== 'unmarked' ? `[${t.mode.toUpperCase()}]` : '[-]';
          const deps = t.dependsOn?.length ? ` (after ${t.dependsOn.join(', ')})` : '';
          const ready = t.state !== 'done' && t.ready ? ' ready' : '';
          return `${t.id} ${mode} ${t.state ?? ''}${ready} — ${clip(t.title, 100)}${deps}`;
        });
        if (tasks.length > 150) lines.push(`… and ${tasks.length - 150} more`);
        const errors = (graph.diagnostics ?? []).filter((d) => d.severity === 'error');
        for (const d of errors.slice(0, 10)) lines.push(`error line ${d.line}: ${d.message}`);
        return result(
          `${tasks.length} tasks in ${graph.feature ?? 'feature'}`,
          redact([`${graph.file ?? ''}`, ...lines].join('\n')),
          { feature: graph.feature, count: tasks.length },
        );
      },
    },
    asdlc_dispatch: {
      description:
        'Start [ASYNC] tasks on the agentic-sdlc runner (each gets its own git worktree, branch and agent; the branch is pushed when done). Returns the run id at once; progress lines "[asdlc <run> <task>] …" are then posted into this session. Without task ids it runs every open [ASYNC] task as its prerequisites complete. Keep working on [SYNC] tasks meanwhile and check asdlc_status between them.',
      args: SCHEMAS.asdlc_dispatch!.properties,
      async execute(args, ctx) {
        const argv = ['run'];
        const path = str(args.path);
        if (path) argv.push(path);
        const executor = str(args.executor) ?? 'local';
        argv.push('--executor', executor);
        if (executor === 'k8s' && str(args.env)) argv.push('--env', str(args.env)!);
        const tasks = Array.isArray(args.tasks)
          ? args.tasks.map(String)
          : (str(args.tasks)?.split(/[\s,]+/) ?? []);
        const ids = tasks.map((t) => t.trim()).filter(Boolean);
        if (ids.length) argv.push('--tasks', ids.join(','));
        const parallel = int(args.parallel);
        if (parallel && parallel > 0) argv.push('--parallel', String(parallel));
        if (str(args.timeout)) argv.push('--timeout', str(args.timeout)!);
        if (str(args.model)) argv.push('--model', str(args.model)!);
        if (str(args.agentCmd)) argv.push('--agent-cmd', str(args.agentCmd)!);
        if (args.allowDirty === true) argv.push('--allow-dirty');
        argv.push('--detach', '--json');
        const res = await runCli(cli, argv, { cwd: ctx.directory ?? cwd, env });
        const last = res.stdout.trim().split('\n').at(-1) ?? '';
        let info: { runId?: string | null; pid?: number; dir?: string; type?: string } = {};
        try {
          info = JSON.parse(last);
        } catch {
          // not JSON: reported below
        }
        if (res.code !== 0 || !info.runId) {
          if (res.code === 0 && info.type === 'summary')
            return result(
              'nothing to dispatch',
              'No open [ASYNC] task to run (name tasks with `tasks` to pick others).',
            );
          return result(
            'asdlc run failed',
            redact(
              clip(
                `${cliLabel(cli)} ${argv.join(' ')} exited ${res.code}:\n${res.stderr.trim() || res.stdout.trim()}`,
                4000,
              ),
            ),
            { exitCode: res.code },
          );
        }
        watch(info.runId, await rootSession(ctx.sessionID), true);
        const what = ids.length ? `tasks ${ids.join(', ')}` : 'every open [ASYNC] task';
        return result(
          `dispatched ${info.runId}`,
          `Run ${info.runId} started (${executor}, ${what}). Progress is posted into this session as "[asdlc ${info.runId} <task>] …". Check it with asdlc_status; read an agent's output with asdlc_logs.`,
          { runId: info.runId, pid: info.pid, dir: info.dir },
        );
      },
    },
    asdlc_status: {
      description:
        'State of asdlc runs: per task pending/running/succeeded/failed…, with branch and commit, or the failure reason. `wait` blocks (bounded) until the run has finished — use it before ending your turn while tasks still run: progress is only reported while this session is active.',
      args: SCHEMAS.asdlc_status!.properties,
      async execute(args, ctx) {
        const wanted = str(args.run);
        const session = await rootSession(ctx.sessionID);
        const mine = sessionRuns.get(session) ?? [];
        let runs = wanted ? [wanted] : mine;
        const states = new Map<string, { run: RunState } | { error: string }>();
        if (runs.length === 0) {
          const latest = await reader.status(undefined);
          if ('error' in latest) return result('no runs', redact(clip(latest.error, 2000)));
          runs = [latest.run.runId];
          states.set(latest.run.runId, latest);
        }
        for (const id of runs) watch(id, session, false);
        const wait = Math.min(Math.max(int(args.wait) ?? 0, 0), WAIT_MAX_SECONDS);
        const deadline = Date.now() + wait * 1000;
        const read = async () => {
          for (const id of runs) states.set(id, await reader.status(id));
        };
        if (states.size < runs.length) await read();
        const allDone = () => [...states.values()].every((s) => 'error' in s || runDone(s.run));
        while (wait > 0 && !allDone() && Date.now() < deadline && !ctx.abort?.aborted) {
          await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
          await read();
        }
        // Let the watchers post the runs' ends first, so the session reads them in order.
        if (allDone())
          await Promise.race([
            Promise.all(runs.map((id) => watches.get(id)?.ended)),
            sleep(Math.max(3000, flushMs * 2)),
          ]);
        const text = runs
          .map((id) => {
            const s = states.get(id);
            return !s ? `run ${id}: unknown` : 'error' in s ? `run ${id}: ${s.error}` : formatStatus(s.run);
          })
          .join('\n');
        const metadata = {
          runs: runs.map((id) => {
            const s = states.get(id);
            return s && 'run' in s ? s.run : { runId: id, error: s && 'error' in s ? s.error : 'unknown' };
          }),
        };
        return result(
          allDone() ? 'asdlc: finished' : 'asdlc: running',
          redact(clip(text, STATUS_MAX_CHARS)),
          metadata,
        );
      },
    },
    asdlc_logs: {
      description: `The last lines an asdlc run's agents printed, of one task or all (bounded: at most ${LOGS_MAX_LINES} lines and ${LOGS_MAX_BYTES} bytes; secret values are redacted). Use it to see why a task failed.`,
      args: SCHEMAS.asdlc_logs!.properties,
      async execute(args, ctx) {
        const session = await rootSession(ctx.sessionID);
        const runId = str(args.run) ?? sessionRuns.get(session)?.at(-1);
        const task = str(args.task)?.toUpperCase();
        const want = Math.min(Math.max(int(args.lines) ?? LOGS_DEFAULT_LINES, 1), LOGS_MAX_LINES);
        let id = runId;
        if (!id) {
          const latest = await reader.status(undefined);
          if ('error' in latest) return result('no runs', redact(clip(latest.error, 2000)));
          id = latest.run.runId;
        }
        const got = await reader.logs(id, task, want);
        if ('error' in got) return result('asdlc logs failed', redact(clip(got.error, 2000)));
        const text = boundedLogs(got.events, { task, lines: want, redact });
        return result(`logs ${id}${task ? ` ${task}` : ''}`, text.output, {
          runId: id,
          task,
          lines: text.lines,
          bytes: byteLength(text.output),
        });
      },
    },
  };

  return {
    tool: tools,
    /** Optional arguments: OpenCode would otherwise mark every JSON-Schema property required. */
    async 'tool.definition'(hookInput, output) {
      const schema = SCHEMAS[hookInput.toolID];
      if (schema && ASDLC_TOOL_IDS.includes(hookInput.toolID))
        output.jsonSchema = schemaOf(schema.properties, schema.required);
    },
    async event({ event }) {
      if (event.type !== 'session.deleted') return;
      const info = event.properties?.info as { id?: string } | undefined;
      if (!info?.id) return;
      for (const w of watches.values()) w.sessions.delete(info.id);
      sessionRuns.delete(info.id);
    },
  };
};

/** asdlc_logs' text: the last `lines` log lines (of `task`), redacted, at most LOGS_MAX_BYTES. */
export function boundedLogs(
  events: RunEvent[],
  options: { task?: string; lines: number; redact: (text: string) => string },
): { output: string; lines: number } {
  const picked: string[] = [];
  for (let i = events.length - 1; i >= 0 && picked.length < options.lines; i--) {
    const e = events[i]!;
    if (options.task && e.task.toUpperCase() !== options.task) continue;
    const body = e.type === 'log' ? (e.line ?? '') : `== ${e.state ?? ''}: ${e.message ?? ''}`;
    picked.push(options.redact(clip(`${e.task} | ${body}`, LOG_LINE_MAX_CHARS)));
  }
  picked.reverse();
  let bytes = 0;
  let start = picked.length;
  while (start > 0) {
    const size = byteLength(picked[start - 1]!) + 1;
    if (bytes + size > LOGS_MAX_BYTES - 200) break;
    bytes += size;
    start--;
  }
  const kept = picked.slice(start);
  const header =
    kept.length === 0
      ? `No log lines${options.task ? ` for ${options.task}` : ''} yet.`
      : `Last ${kept.length} line(s)${options.task ? ` of ${options.task}` : ''}${start > 0 ? ` (${start} earlier line(s) left out to stay under ${LOGS_MAX_BYTES} bytes)` : ''}:`;
  return { output: [header, ...kept].join('\n'), lines: kept.length };
}

/** OpenCode 1.18 loads a plugin module's default `{ id, server }` and ignores its other exports. */
export default { id: 'asdlc', server: AsdlcPlugin };
