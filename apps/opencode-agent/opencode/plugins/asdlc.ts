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
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
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
  /** How often a watched run's events are read, ms (default 1000). */
  pollMs?: number;
  /** Lines are gathered for this long, then posted as one message, ms (default 1500). */
  flushMs?: number;
  /** At most one notable agent line per task this often, ms (default 10000). */
  notableEveryMs?: number;
  /** At most this many notable agent lines per task and run (default 8). */
  maxNotablePerTask?: number;
  /** Environment (default process.env). */
  env?: NodeJS.ProcessEnv;
}

// ── Bounds ──

const LOGS_DEFAULT_LINES = 40;
const LOGS_MAX_LINES = 200;
/** What asdlc_logs returns at most, in bytes (UTF-8), whatever the arguments. */
export const LOGS_MAX_BYTES = 12 * 1024;
const LOG_LINE_MAX_CHARS = 400;
/** The end of events.ndjson read for asdlc_logs. */
const LOGS_READ_WINDOW = 2 * 1024 * 1024;
/** Read per poll by a watcher. */
const TAIL_READ_MAX = 512 * 1024;
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
// For now it reads `.agentic-sdlc/runs/<run>/{run.json,events.ndjson}` (apps/cli/src/run/run-record.ts).

export interface RunTask {
  id: string;
  key?: string;
  title?: string;
  state: 'pending' | 'running' | 'finished';
  outcome?: string;
  branch?: string;
  sha?: string;
  reason?: string | null;
  pushed?: boolean;
}
export interface RunState {
  runId: string;
  executor?: string;
  state: string;
  pid?: number;
  startedAt?: string;
  finishedAt?: string | null;
  tasks: RunTask[];
}
export interface RunEvent {
  type: 'log' | 'status';
  task: string;
  ts?: string;
  line?: string;
  state?: string;
  message?: string;
  data?: Record<string, unknown>;
}

const runReader = {
  runDir(root: string, runId: string): string {
    return join(root, '.agentic-sdlc', 'runs', runId);
  },
  status(root: string, runId: string): RunState | null {
    try {
      return JSON.parse(readFileSync(join(this.runDir(root, runId), 'run.json'), 'utf8')) as RunState;
    } catch {
      return null;
    }
  },
  /** Complete event lines from byte `offset` on (at most `max` bytes read); returns the next offset. */
  eventsFrom(root: string, runId: string, offset: number, max = TAIL_READ_MAX) {
    const file = join(this.runDir(root, runId), 'events.ndjson');
    if (!existsSync(file)) return { events: [] as RunEvent[], offset };
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return { events: [] as RunEvent[], offset: Math.min(offset, size) };
      const length = Math.min(size - offset, max);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, offset);
      const end = buf.lastIndexOf(0x0a);
      if (end < 0) return { events: [] as RunEvent[], offset: length === max ? offset + length : offset };
      return { events: parseEvents(buf.subarray(0, end).toString('utf8')), offset: offset + end + 1 };
    } finally {
      closeSync(fd);
    }
  },
  /** The events in the last `window` bytes of the file (the first, partial line dropped). */
  lastEvents(root: string, runId: string, window = LOGS_READ_WINDOW): RunEvent[] {
    const file = join(this.runDir(root, runId), 'events.ndjson');
    if (!existsSync(file)) return [];
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      let text = buf.toString('utf8');
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
      return parseEvents(text);
    } finally {
      closeSync(fd);
    }
  },
  /** Run ids on disk, newest first (ids start with a timestamp). */
  list(root: string): string[] {
    const dir = join(root, '.agentic-sdlc', 'runs');
    try {
      return readdirSync(dir)
        .filter((d) => existsSync(join(dir, d, 'run.json')))
        .sort()
        .reverse();
    } catch {
      return [];
    }
  },
  /** Current size of the events file (where a watcher that starts late begins). */
  eventsSize(root: string, runId: string): number {
    try {
      return statSync(join(this.runDir(root, runId), 'events.ndjson')).size;
    } catch {
      return 0;
    }
  },
};

function parseEvents(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as RunEvent;
      if (value && (value.type === 'log' || value.type === 'status') && typeof value.task === 'string')
        out.push(value);
    } catch {
      // a torn or foreign line: skipped
    }
  }
  return out;
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
const ALWAYS = /^\s*(✗|error:|fatal:)/i;

function formatStatus(run: RunState): string {
  const counts = new Map<string, number>();
  for (const t of run.tasks) {
    const key = t.state === 'finished' ? (t.outcome ?? 'finished') : t.state;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const lines = [
    `run ${run.runId} (${run.executor ?? 'local'}): ${run.state}${run.state === 'running' ? '' : ` at ${run.finishedAt ?? '?'}`} — ${summary || 'no tasks'}`,
  ];
  for (const t of run.tasks) {
    const detail = t.state === 'finished' ? describeOutcome(t) : t.state;
    lines.push(`  ${t.id}  ${detail}${t.title ? `  — ${clip(t.title, 80)}` : ''}`);
  }
  return lines.join('\n');
}

function runDone(run: RunState | null): boolean {
  if (!run) return false;
  if (run.state !== 'running') return true;
  return run.tasks.length > 0 && run.tasks.every((t) => t.state === 'finished');
}

// ── Watchers: a run's progress, posted into sessions ──

interface Watch {
  runId: string;
  root: string;
  sessions: Set<string>;
  offset: number;
  queue: string[];
  notable: Map<string, { last: number; count: number }>;
  timer: ReturnType<typeof setInterval> | null;
  flushing: boolean;
  lastFlush: number;
  announcedEnd: boolean;
  startedAt: number;
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

/** The plugin function (OpenCode calls the default export's `server`; the named exports are for tests). */
export const AsdlcPlugin = async (input: PluginInput, options?: AsdlcPluginOptions): Promise<Hooks> => {
  const env = options?.env ?? process.env;
  // An agent started by asdlc for a task must not dispatch runs of its own.
  if (insideTaskRun(input, env)) return {};
  const pollMs = options?.pollMs ?? 1000;
  const flushMs = options?.flushMs ?? 1500;
  const notableEveryMs = options?.notableEveryMs ?? 10_000;
  const maxNotable = options?.maxNotablePerTask ?? 8;
  const redact = redactorFor(env);
  const cli = resolveAsdlc(env);
  const root = input.worktree && input.worktree !== '/' ? input.worktree : input.directory;
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
    if (w.flushing || w.queue.length === 0) return;
    w.flushing = true;
    const text = w.queue.splice(0).join('\n');
    w.lastFlush = Date.now();
    try {
      for (const id of w.sessions) await post(id, text).catch(() => undefined);
    } finally {
      w.flushing = false;
    }
  };

  const enqueue = (w: Watch, task: string | null, text: string) => {
    w.queue.push(redact(clip(`[asdlc ${w.runId}${task ? ` ${task}` : ''}] ${text}`, POST_LINE_MAX_CHARS)));
  };

  const onEvent = (w: Watch, e: RunEvent) => {
    if (e.type === 'status') {
      const state = e.state ?? '';
      if (state === 'started')
        enqueue(w, e.task, clip(e.message?.replace(`${e.task} `, '') ?? 'started', 200));
      else if (state) {
        const data = e.data ?? {};
        enqueue(w, e.task, describeOutcome({ outcome: state, ...data }));
        toast(`${e.task} ${describeOutcome({ outcome: state, ...data })}`, state === 'succeeded');
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

  const toast = (message: string, ok: boolean) => {
    client.tui
      ?.showToast?.({ body: { message: `asdlc ${message}`, variant: ok ? 'success' : 'warning' } })
      ?.catch?.(() => undefined);
  };

  const poll = async (w: Watch) => {
    for (let i = 0; i < 8; i++) {
      const { events, offset } = runReader.eventsFrom(w.root, w.runId, w.offset);
      const moved = offset !== w.offset;
      w.offset = offset;
      for (const e of events) onEvent(w, e);
      if (!moved) break;
    }
    const run = runReader.status(w.root, w.runId);
    const crashed = run?.state === 'running' && !runDone(run) && run.pid && !pidAlive(run.pid);
    if ((runDone(run) || crashed) && !w.announcedEnd && run) {
      w.announcedEnd = true;
      const parts = run.tasks.map((t) => `${t.id} ${t.state === 'finished' ? describeOutcome(t) : t.state}`);
      enqueue(
        w,
        null,
        crashed
          ? `run stopped unexpectedly (process ${run.pid} is gone): ${parts.join('; ')}`
          : `run ${run.state}: ${parts.join('; ')}`,
      );
    }
    if (w.queue.length && (w.announcedEnd || Date.now() - w.lastFlush >= flushMs)) await flush(w);
    if (w.announcedEnd && w.queue.length === 0 && w.timer) {
      clearInterval(w.timer);
      w.timer = null;
    }
  };

  const watch = (runId: string, sessionID: string, fromStart: boolean) => {
    let w = watches.get(runId);
    if (!w) {
      const existing = runReader.status(root, runId);
      w = {
        runId,
        root,
        sessions: new Set(),
        // A run watched late (asdlc_status of an older run) reports from now on.
        offset: fromStart ? 0 : runReader.eventsSize(root, runId),
        queue: [],
        notable: new Map(),
        timer: null,
        flushing: false,
        lastFlush: Date.now(),
        announcedEnd: !fromStart && runDone(existing),
        startedAt: Date.now(),
      };
      watches.set(runId, w);
    }
    w.sessions.add(sessionID);
    const runs = sessionRuns.get(sessionID) ?? [];
    if (!runs.includes(runId)) sessionRuns.set(sessionID, [...runs, runId]);
    if (!w.timer && !w.announcedEnd) {
      const target = w;
      let busy = false;
      target.timer = setInterval(() => {
        if (busy) return;
        busy = true;
        poll(target)
          .catch(() => undefined)
          .finally(() => {
            busy = false;
          });
      }, pollMs);
      target.timer.unref?.();
    }
    return w;
  };

  const pickRuns = (sessionID: string, run: string | undefined): string[] => {
    if (run) return [run];
    const mine = sessionRuns.get(sessionID);
    if (mine?.length) return mine;
    const newest = runReader.list(root)[0];
    return newest ? [newest] : [];
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
        const res = await runCli(cli, argv, { cwd: ctx.directory ?? input.directory, env });
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
            redact(clip(`${cliLabel(cli)} tasks: ${res.stderr || res.stdout}`, 4000)),
          );
        }
        const tasks = graph.tasks ?? [];
        const lines = tasks.slice(0, 150).map((t) => {
          const mode = t.mode && t.mode !== 'unmarked' ? `[${t.mode.toUpperCase()}]` : '[-]';
          const deps = t.dependsOn?.length ? ` (after ${t.dependsOn.join(', ')})` : '';
          return `${t.id} ${mode} ${t.state ?? ''}${t.state !== 'done' && t.ready ? ' ready' : ''} — ${clip(t.title, 100)}${deps}`;
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
        const res = await runCli(cli, argv, { cwd: ctx.directory ?? input.directory, env });
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
              'No open [ASYNC] task to run. Name tasks with `tasks` if needed.',
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
        watch(info.runId, ctx.sessionID, true);
        return result(
          `dispatched ${info.runId}`,
          `Run ${info.runId} started (${executor}${ids.length ? `, tasks ${ids.join(', ')}` : ', every open [ASYNC] task'}). Progress will be posted here as "[asdlc ${info.runId} <task>] …". Check it with asdlc_status${ids.length ? '' : ''}; read an agent's output with asdlc_logs.`,
          { runId: info.runId, pid: info.pid, dir: info.dir },
        );
      },
    },
    asdlc_status: {
      description:
        'State of asdlc runs: per task pending/running/finished, and for finished tasks the outcome with branch and commit, or the failure reason. `wait` blocks (bounded) until the run has finished — use it before ending your turn when tasks are still running, since progress is only reported while this session is active.',
      args: SCHEMAS.asdlc_status!.properties,
      async execute(args, ctx) {
        const runs = pickRuns(ctx.sessionID, str(args.run));
        if (runs.length === 0)
          return result('no runs', 'No asdlc run found in this project. Start one with asdlc_dispatch.');
        const wait = Math.min(Math.max(int(args.wait) ?? 0, 0), WAIT_MAX_SECONDS);
        for (const id of runs) watch(id, ctx.sessionID, false);
        const deadline = Date.now() + wait * 1000;
        const read = () => runs.map((id) => ({ id, run: runReader.status(root, id) }));
        let states = read();
        while (wait > 0 && Date.now() < deadline && !ctx.abort?.aborted) {
          if (states.every(({ run }) => !run || runDone(run) || (run.pid && !pidAlive(run.pid)))) break;
          await new Promise((r) => setTimeout(r, Math.min(pollMs, 1000)));
          states = read();
        }
        // Let the watchers post what happened before answering, so the session sees it in order.
        for (const id of runs) {
          const w = watches.get(id);
          if (w) await poll(w).catch(() => undefined);
        }
        const text = states
          .map(({ id, run }) => (run ? formatStatus(run) : `run ${id}: not found in .agentic-sdlc/runs/`))
          .join('\n');
        const metadata = {
          runs: states.map(({ id, run }) => ({
            runId: id,
            state: run?.state ?? 'unknown',
            tasks: (run?.tasks ?? []).map((t) => ({
              id: t.id,
              state: t.state,
              outcome: t.outcome,
              branch: t.branch,
              sha: t.sha,
              reason: t.reason,
            })),
          })),
        };
        const done = states.every(({ run }) => runDone(run));
        return result(
          done ? 'asdlc: finished' : 'asdlc: running',
          redact(clip(text, STATUS_MAX_CHARS)),
          metadata,
        );
      },
    },
    asdlc_logs: {
      description: `The last lines an asdlc run's agents printed, of one task or all (bounded: at most ${LOGS_MAX_LINES} lines and ${LOGS_MAX_BYTES} bytes; secret values are redacted). Use it to see why a task failed.`,
      args: SCHEMAS.asdlc_logs!.properties,
      async execute(args, ctx) {
        const runId = pickRuns(ctx.sessionID, str(args.run)).at(-1);
        if (!runId) return result('no runs', 'No asdlc run found in this project.');
        const task = str(args.task)?.toUpperCase();
        const want = Math.min(Math.max(int(args.lines) ?? LOGS_DEFAULT_LINES, 1), LOGS_MAX_LINES);
        const text = boundedLogs(runReader.lastEvents(root, runId), { task, lines: want, redact });
        return result(`logs ${runId}${task ? ` ${task}` : ''}`, text.output, {
          runId,
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
      if (event.type === 'session.deleted') {
        const info = event.properties?.info as { id?: string } | undefined;
        if (!info?.id) return;
        for (const w of watches.values()) w.sessions.delete(info.id);
        sessionRuns.delete(info.id);
      }
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
