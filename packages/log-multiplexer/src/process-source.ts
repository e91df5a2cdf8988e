import type { Readable } from 'node:stream';
import { splitLines } from './lines.js';
import type { SourceItem } from './types.js';

/** Lines of a readable stream (a child's stdout or stderr) as multiplexer source items. */
export async function* streamSource(
  stream: Readable | null | undefined,
  name: 'stdout' | 'stderr' = 'stdout',
): AsyncGenerator<SourceItem> {
  if (!stream) return;
  for await (const line of splitLines(stream)) yield { line, stream: name };
}
