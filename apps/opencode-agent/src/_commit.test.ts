import { describe, expect, it } from 'vitest';
import { commitMessage, commitType } from './_commit.js';

describe('commit message', () => {
  it.each([
    ['Contract test POST /api/users in tests/contract/test_users.py', null, 'test'],
    ['Tests for the sync service', null, 'test'],
    ['test: calendar parser edge cases', null, 'test'],
    ['Integration test for sign-up', null, 'test'],
    ['Docs: update quickstart', null, 'docs'],
    ['Update README with setup steps', null, 'docs'],
    ['Create project structure per implementation plan', 'setup', 'chore'],
    ['Implement CalendarSync service in src/sync.ts', 'story', 'feat'],
    ['Add tests for greet in test/greet.test.js', 'story', 'test'],
    ['Write unit tests for the parser', null, 'test'],
    ['Testing harness wiring', 'story', 'feat'],
    ['Add testimonials page', 'story', 'feat'],
  ] as const)('%s → %s', (title, kind, type) => {
    expect(commitType({ title }, kind ? { kind } : null)).toBe(type);
  });

  it('formats <type>(<id>): <title> and cuts long titles', () => {
    expect(commitMessage({ id: 'T006', title: 'Implement  sync\tservice' }, { kind: 'story' })).toBe(
      'feat(T006): Implement sync service',
    );
    const long = `Implement ${'very '.repeat(40)}long title`;
    const message = commitMessage({ id: 'T007', title: long }, null);
    const [subject, blank, body] = message.split('\n');
    expect(subject!.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^feat\(T007\): Implement very .*…$/);
    expect(blank).toBe('');
    expect(body).toBe(long.replace(/\s+/g, ' '));
  });
});
