export { splitLines } from './lines.js';
export { LogMultiplexer } from './multiplexer.js';
export { streamSource } from './process-source.js';
export { createRedactor, REDACTED, secretValuesFromEnv } from './redactor.js';
export type { TerminalRendererOptions } from './render.js';
export { colourFor, createTerminalRenderer, renderJson } from './render.js';
export type {
  LogRecord,
  MultiplexerOptions,
  MuxRecord,
  Renderer,
  SourceItem,
  StatusRecord,
} from './types.js';
