/**
 * Splits a byte/string stream into lines (LF or CRLF), yielding a final unterminated line too.
 * Pulls from the source only as fast as the consumer reads, so a slow consumer pauses the source.
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string | Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const end = newline > 0 && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      yield pending.slice(0, end);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}
