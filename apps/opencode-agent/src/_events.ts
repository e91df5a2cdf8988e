import { isAbsolute, relative } from 'node:path';
import type { EventSummary, TokenUsage } from './types.js';

const MAX_TEXT = 400;
const MAX_ARG = 160;

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A readable reason for an OpenCode `error` event. */
export function describeError(error: unknown): string {
  const e = obj(error);
  const data = obj(e.data);
  const name = str(e.name) ?? 'Error';
  const message = str(data.message) ?? str(e.message) ?? JSON.stringify(error);
  const status = typeof data.statusCode === 'number' ? data.statusCode : null;
  if (name === 'APIError' || status !== null) {
    const url = str(obj(data.metadata).url);
    return `model provider error: ${status !== null ? `HTTP ${status} ` : ''}${oneLine(message, 300)}${url ? ` (${url})` : ''}`;
  }
  if (name === 'ProviderAuthError') return `model provider authentication failed: ${oneLine(message, 300)}`;
  return `${name}: ${oneLine(message, 300)}`;
}

const REJECTED =
  /rejected permission|permission.*(denied|rejected)|not allowed by permission|prevents you from using/i;

/**
 * Folds OpenCode `run --format json` events into an {@link EventSummary} and readable log lines.
 * Feed it every stdout line (`line()`) and stderr line (`stderrLine()`).
 */
export class EventSummariser {
  readonly summary: EventSummary = {
    tokens: null,
    cost: null,
    errors: [],
    rejected: [],
    filesEdited: [],
    toolCalls: 0,
    finalText: null,
    sessionId: null,
  };
  /** Tool calls that failed (the model saw the error and could recover). */
  readonly toolErrors: string[] = [];

  constructor(private readonly cwd: string | null = null) {}

  private rel(path: string): string {
    if (this.cwd && isAbsolute(path)) {
      const r = relative(this.cwd, path);
      if (!r.startsWith('..')) return r || '.';
    }
    return path;
  }

  private toolTarget(tool: string, input: Json): string {
    const path = str(input.filePath) ?? str(input.path);
    switch (tool) {
      case 'bash':
        return `$ ${oneLine(str(input.command) ?? '', MAX_ARG)}`;
      case 'write':
      case 'edit':
      case 'read':
        return path ? this.rel(path) : '';
      case 'glob':
      case 'grep':
        return `${oneLine(str(input.pattern) ?? '', MAX_ARG)}${path ? ` in ${this.rel(path)}` : ''}`;
      case 'task':
        return `${str(input.subagent_type) ?? 'subagent'}: ${oneLine(str(input.description) ?? '', MAX_ARG)}`;
      case 'webfetch':
        return str(input.url) ?? '';
      case 'todowrite':
        return `${Array.isArray(input.todos) ? input.todos.length : 0} todos`;
      default:
        return oneLine(JSON.stringify(input), MAX_ARG);
    }
  }

  private addTokens(tokens: Json, cost: unknown): void {
    const cache = obj(tokens.cache);
    const t: TokenUsage = this.summary.tokens ?? {
      input: 0,
      output: 0,
      reasoning: 0,
      cacheRead: 0,
      cacheWrite: 0,
      total: 0,
    };
    t.input += num(tokens.input);
    t.output += num(tokens.output);
    t.reasoning += num(tokens.reasoning);
    t.cacheRead += num(cache.read);
    t.cacheWrite += num(cache.write);
    t.total +=
      typeof tokens.total === 'number'
        ? tokens.total
        : num(tokens.input) + num(tokens.output) + num(tokens.reasoning);
    this.summary.tokens = t;
    if (typeof cost === 'number' && Number.isFinite(cost))
      this.summary.cost = (this.summary.cost ?? 0) + cost;
  }

  /** Consume one stdout line; returns the log lines to print (possibly none). */
  line(raw: string): string[] {
    const text = raw.trim();
    if (text.length === 0) return [];
    let event: Json;
    try {
      event = obj(JSON.parse(text));
    } catch {
      return [`opencode: ${stripAnsi(text)}`];
    }
    const sessionId = str(event.sessionID);
    if (sessionId && !this.summary.sessionId) this.summary.sessionId = sessionId;
    const part = obj(event.part);
    switch (event.type) {
      case 'step_start':
        return [];
      case 'step_finish':
        this.addTokens(obj(part.tokens), part.cost);
        return [];
      case 'text': {
        const t = str(part.text);
        if (!t || t.trim().length === 0) return [];
        this.summary.finalText = t;
        return [`» ${oneLine(t, MAX_TEXT)}`];
      }
      case 'reasoning':
        return [];
      case 'tool_use': {
        const tool = str(part.tool) ?? 'tool';
        const state = obj(part.state);
        const input = obj(state.input);
        const target = this.toolTarget(tool, input);
        const label = `${tool}${target ? ` ${target}` : ''}`;
        this.summary.toolCalls += 1;
        if (state.status === 'error') {
          const error = str(state.error) ?? 'failed';
          if (REJECTED.test(error)) {
            this.summary.rejected.push(`${label}: ${oneLine(error, 200)}`);
            return [`✗ ${label} — REJECTED: ${oneLine(error, 200)}`];
          }
          this.toolErrors.push(`${label}: ${oneLine(error, 200)}`);
          return [`✗ ${label} — ${oneLine(error, 200)}`];
        }
        if ((tool === 'write' || tool === 'edit') && state.status === 'completed') {
          const path = str(input.filePath);
          if (path && !this.summary.filesEdited.includes(path)) this.summary.filesEdited.push(path);
        }
        const lines = [`✓ ${label}`];
        if (tool === 'bash') {
          const exit = obj(state.metadata).exit;
          if (typeof exit === 'number' && exit !== 0) lines[0] = `✓ ${label} (exit ${exit})`;
        }
        return lines;
      }
      case 'error': {
        const reason = describeError(event.error);
        this.summary.errors.push(reason);
        return [`error: ${reason}`];
      }
      default:
        return [];
    }
  }

  /** Consume one stderr line; returns the line to print on stderr (ANSI stripped) or null to drop it. */
  stderrLine(raw: string): string | null {
    const text = stripAnsi(raw).trimEnd();
    if (text.trim().length === 0) return null;
    const m = /permission requested:\s*(.+?);\s*auto-rejecting/i.exec(text);
    if (m) this.summary.rejected.push(`permission requested: ${m[1]} (auto-rejected)`);
    return text;
  }
}
