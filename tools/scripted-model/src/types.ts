/** Types of the scripted model server. Runtime-free. */

/** One tool call the model makes in a turn. `arguments` objects are JSON-encoded for the wire. */
export interface ToolCallSpec {
  /** Tool name exactly as OpenCode offers it (`write`, `edit`, `bash`, `read`, …). */
  name: string;
  arguments: Record<string, unknown> | string;
  /** Call id; generated when absent. */
  id?: string;
}

/**
 * One step of a script. Exactly one "reply" field should be set:
 * - `tool` + `args` (one tool call) or `toolCalls` (several): an assistant turn that calls tools;
 * - `text`: a final assistant message (ends OpenCode's loop);
 * - `error`: an HTTP error status (e.g. 500) instead of a reply; with `times` it fails that many requests
 *   and then the script moves on, without `times` it fails every time;
 * - `hang`: accept the request and never answer (until the server closes);
 * - `sleepMs` alone: delay the next step's reply by that much (it can also be combined with any step).
 */
export interface ScriptStep {
  text?: string;
  tool?: string;
  args?: Record<string, unknown>;
  toolCalls?: ToolCallSpec[];
  error?: number;
  /** Error message body for `error` steps. */
  message?: string;
  /**
   * `retry-after-ms` header of an `error` reply (OpenCode honours it for its retry delay). Defaults to 50 for
   * 5xx/429 so OpenCode's retries finish in well under a second instead of ~70 s.
   */
  retryAfterMs?: number;
  times?: number;
  hang?: boolean;
  sleepMs?: number;
}

export type Script = ScriptStep[];

export interface ScriptedModelOptions {
  /** Scripts keyed by a string found in the conversation (e.g. the task id `T006`). */
  scripts: Record<string, Script>;
  /** Used when no key matches. Without it, an unmatched conversation gets a short final text. */
  defaultScript?: Script;
  /** Port to bind on 127.0.0.1 (0 = random, the default). */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
}

export type RequestKind = 'agent' | 'title' | 'models' | 'other';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (null when absent or not JSON). */
  body: unknown;
  kind: RequestKind;
  /** The script key that matched, or null. */
  scriptKey: string | null;
  /** Turn index played (number of assistant messages already in the conversation). */
  turn: number | null;
  /** What the server answered: `tool_calls`, `text`, `error:<status>`, `hang`. */
  reply: string | null;
  at: number;
}

export interface ScriptedModel {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface OpencodeConfigOptions {
  /** Provider id (default `scripted`). */
  providerId?: string;
  /** Model id (default `demo`); the OpenCode model is `<providerId>/<modelId>`. */
  modelId?: string;
  /** Permission setting (default `allow`, so headless runs never "ask"). */
  permission?: string | Record<string, unknown>;
}
