import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError, EventSummariser } from './_events.js';

/** Real `opencode run --format json` output of opencode 1.18.33 driven by the scripted model. */
function fixture(name: string): string[] {
  return readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'events', name), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

function summarise(name: string, cwd = '/tmp/oc-exp/repo') {
  const s = new EventSummariser(cwd);
  const lines = fixture(name).flatMap((l) => s.line(l));
  return { s, lines };
}

describe('EventSummariser on recorded OpenCode events', () => {
  it('summarises a successful run: tool calls with file/command, final text, tokens and cost', () => {
    const { s, lines } = summarise('write.jsonl');
    expect(lines).toEqual(['✓ write hello.txt', '✓ bash $ ls', '» Created hello.txt for T006.']);
    expect(s.summary).toMatchObject({
      errors: [],
      rejected: [],
      filesEdited: ['/tmp/oc-exp/repo/hello.txt'],
      toolCalls: 2,
      finalText: 'Created hello.txt for T006.',
      cost: 0,
    });
    expect(s.summary.sessionId).toMatch(/^ses_/);
    expect(s.summary.tokens).toEqual({
      input: 2399 + 2406 + 2411,
      output: 19 + 12 + 7,
      reasoning: 0,
      cacheRead: 0,
      cacheWrite: 0,
      total: 2418 * 3,
    });
  });

  it('turns an HTTP 500 error event into a readable provider error', () => {
    const { s, lines } = summarise('errfast.jsonl');
    expect(s.summary.errors).toHaveLength(1);
    expect(s.summary.errors[0]).toMatch(
      /^model provider error: HTTP 500 boom \(http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\)$/,
    );
    expect(lines[0]).toBe(`error: ${s.summary.errors[0]}`);
    expect(s.summary.tokens).toBeNull();
  });

  it('flags a tool call rejected by a permission (exit code 0 in OpenCode)', () => {
    const { s, lines } = summarise('reject.jsonl');
    expect(s.summary.rejected).toHaveLength(1);
    expect(s.summary.rejected[0]).toMatch(
      /^write \/tmp\/oc-exp\/outside\/x\.txt: The user rejected permission/,
    );
    expect(lines[0]).toMatch(/^✗ write \/tmp\/oc-exp\/outside\/x\.txt — REJECTED/);
    expect(s.summary.errors).toEqual([]);
  });

  it('detects the auto-reject notice on stderr and strips ANSI codes', () => {
    const s = new EventSummariser();
    const line = s.stderrLine(
      '\u001b[93m\u001b[1m! \u001b[0mpermission requested: external_directory (/tmp/outside/*); auto-rejecting',
    );
    expect(line).toBe('! permission requested: external_directory (/tmp/outside/*); auto-rejecting');
    expect(s.summary.rejected).toEqual([
      'permission requested: external_directory (/tmp/outside/*) (auto-rejected)',
    ]);
    expect(s.stderrLine('   ')).toBeNull();
  });

  it('keeps tool errors apart from run errors (the model may recover)', () => {
    const { s, lines } = summarise('toolerr.jsonl');
    expect(lines[0]).toBe('✗ edit missing.txt — File /tmp/oc-exp/repo/missing.txt not found');
    expect(s.toolErrors).toEqual(['edit missing.txt: File /tmp/oc-exp/repo/missing.txt not found']);
    expect(s.summary.errors).toEqual([]);
    expect(s.summary.rejected).toEqual([]);
    expect(s.summary.finalText).toBe('edit failed, giving up');
  });

  it('passes non-JSON lines through and truncates long texts to one line', () => {
    const s = new EventSummariser();
    expect(s.line('plain output')).toEqual(['opencode: plain output']);
    const long = JSON.stringify({ type: 'text', part: { type: 'text', text: `a\nb ${'x'.repeat(1000)}` } });
    const [line] = s.line(long);
    expect(line!.length).toBeLessThanOrEqual(402);
    expect(line).toMatch(/^» a b x+…$/);
  });
});

describe('describeError', () => {
  it('describes auth and unknown errors', () => {
    expect(describeError({ name: 'ProviderAuthError', data: { message: 'no key' } })).toBe(
      'model provider authentication failed: no key',
    );
    expect(describeError({ name: 'UnknownError', data: { message: 'Check server logs' } })).toBe(
      'UnknownError: Check server logs',
    );
  });
});
