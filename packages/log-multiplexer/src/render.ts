import { inspect } from 'node:util';
import type { MuxRecord, Renderer } from './types.js';

type Colour = keyof typeof inspect.colors;

/** ANSI styling; whether to colour at all is the caller's decision (NO_COLOR, TTY, --color). */
function ansi(style: Colour, text: string): string {
  const codes = inspect.colors[style];
  return codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
}

const PALETTE: Colour[] = [
  'cyan',
  'magenta',
  'yellow',
  'green',
  'blue',
  'red',
  'cyanBright',
  'magentaBright',
];

const STATUS_STYLE: Record<string, Colour> = {
  succeeded: 'green',
  'no-changes': 'yellow',
  failed: 'red',
  'timed-out': 'red',
  cancelled: 'yellow',
  blocked: 'yellow',
};

/** The same task id always gets the same colour (FNV-1a hash into the palette). */
export function colourFor(task: string): Colour {
  let hash = 0x811c9dc5;
  for (let i = 0; i < task.length; i++) {
    hash ^= task.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}

export interface TerminalRendererOptions {
  color: boolean;
  /** Prefix width: task ids are padded to it so lines align. */
  prefixWidth?: number;
}

/** `T006 │ line` for logs, `T006 ▸ message` for status changes. */
export function createTerminalRenderer(options: TerminalRendererOptions): Renderer {
  const paint = (style: Colour, text: string) => (options.color ? ansi(style, text) : text);
  const width = options.prefixWidth ?? 0;
  return (record: MuxRecord) => {
    const prefix = paint(colourFor(record.task), record.task.padEnd(width));
    if (record.type === 'log') return `${prefix} ${paint('dim', '│')} ${record.line}`;
    const style = STATUS_STYLE[record.state] ?? 'bold';
    return `${prefix} ${paint(style, '▸')} ${paint(style, record.message)}`;
  };
}

/** One JSON object per line (NDJSON): the record as is. */
export const renderJson: Renderer = (record) => JSON.stringify(record);
