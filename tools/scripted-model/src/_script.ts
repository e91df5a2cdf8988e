import { isAbsolute, join } from 'node:path';
import type { Script, ScriptStep, ToolCallSpec } from './types.js';

/** A reply the server can play for one assistant turn. */
export interface Turn {
  /** Errors (with `times`) played before the reply, each at most `times` requests. */
  transient: ScriptStep[];
  step: ScriptStep;
  sleepMs: number;
}

/** Group a script into turns: `sleepMs`-only steps and counted errors attach to the next reply. */
export function toTurns(script: Script): Turn[] {
  const turns: Turn[] = [];
  let pendingSleep = 0;
  let transient: ScriptStep[] = [];
  for (const step of script) {
    const isSleepOnly =
      step.sleepMs !== undefined &&
      step.text === undefined &&
      step.tool === undefined &&
      step.toolCalls === undefined &&
      step.error === undefined &&
      !step.hang;
    if (isSleepOnly) {
      pendingSleep += step.sleepMs ?? 0;
      continue;
    }
    if (step.error !== undefined && step.times !== undefined) {
      transient.push(step);
      continue;
    }
    turns.push({ transient, step, sleepMs: pendingSleep + (step.sleepMs ?? 0) });
    pendingSleep = 0;
    transient = [];
  }
  if (transient.length > 0 || pendingSleep > 0) {
    turns.push({ transient, step: { text: 'Done.' }, sleepMs: pendingSleep });
  }
  return turns;
}

type Message = { role?: unknown; content?: unknown };

/** The text of a message's content (string or array of text parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('\n');
  }
  return '';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The script key found in the conversation: user messages are searched first (then system), and among
 * keys found, the one occurring earliest wins (the prompt starts with the task's own id).
 */
export function matchKey(messages: Message[], keys: string[]): string | null {
  const texts = [
    messages
      .filter((m) => m.role === 'user')
      .map((m) => contentText(m.content))
      .join('\n'),
    messages
      .filter((m) => m.role === 'system')
      .map((m) => contentText(m.content))
      .join('\n'),
  ];
  for (const text of texts) {
    let best: { key: string; index: number } | null = null;
    for (const key of keys) {
      const m = new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(key)}(?![A-Za-z0-9_])`).exec(text);
      if (
        m &&
        (best === null || m.index < best.index || (m.index === best.index && key.length > best.key.length))
      ) {
        best = { key, index: m.index };
      }
    }
    if (best) return best.key;
  }
  return null;
}

/** Number of assistant messages already in the conversation = the turn to play. */
export function turnIndex(messages: Message[]): number {
  return messages.filter((m) => m.role === 'assistant').length;
}

/** The working directory OpenCode announces in its system prompt, if any. */
export function workingDirectory(messages: Message[]): string | null {
  for (const m of messages) {
    const text = contentText(m.content);
    const match = /Working directory:\s*(\S[^\n<]*)/.exec(text);
    if (match?.[1]) return match[1].trim();
  }
  return null;
}

const PATH_KEYS = new Set(['filePath', 'path']);

/** Replace `{{workdir}}` in strings and make relative `filePath`/`path` arguments absolute. */
export function resolveArgs(args: Record<string, unknown>, workdir: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === 'string') {
      let v = workdir ? value.replaceAll('{{workdir}}', workdir) : value;
      if (PATH_KEYS.has(key) && workdir && !isAbsolute(v)) v = join(workdir, v);
      out[key] = v;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The tool calls of a step (single `tool` or `toolCalls`), with arguments resolved. */
export function stepToolCalls(
  step: ScriptStep,
  workdir: string | null,
  idPrefix: string,
): Array<{ id: string; name: string; arguments: string }> {
  const specs: ToolCallSpec[] =
    step.toolCalls ?? (step.tool ? [{ name: step.tool, arguments: step.args ?? {} }] : []);
  return specs.map((spec, i) => ({
    id: spec.id ?? `${idPrefix}_${i}`,
    name: spec.name,
    arguments:
      typeof spec.arguments === 'string'
        ? spec.arguments
        : JSON.stringify(resolveArgs(spec.arguments, workdir)),
  }));
}
