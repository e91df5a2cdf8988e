import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo } from '../test/_helpers.js';
import { commitTaskChanges } from './commit.js';
import { InvalidTrailerError } from './errors.js';
import { createTaskWorktree } from './worktree.js';

afterAll(cleanupTempDirs);

async function taskWorktree() {
  const repo = makeRepo({ branch: '042-calendar-sync' });
  const wt = await createTaskWorktree({
    repo,
    baseRef: 'HEAD',
    taskId: 'T006',
    feature: '042-calendar-sync',
  });
  return { repo, wt };
}

const trailers = { Task: 'T006', Feature: '042-calendar-sync', Agent: 'opencode 1.2.3' };

describe('commitTaskChanges', () => {
  it('returns sha null and commits nothing when the tree did not change', async () => {
    const { wt } = await taskWorktree();
    // Only runner state under .agentic-sdlc/ changed: still no change.
    mkdirSync(path.join(wt.path, '.agentic-sdlc'), { recursive: true });
    writeFileSync(path.join(wt.path, '.agentic-sdlc', 'prompt.md'), 'prompt');
    const before = git(wt.path, 'rev-parse', 'HEAD');
    const result = await commitTaskChanges({ worktree: wt.path, message: 'feat(T006): x', trailers });
    expect(result).toEqual({ sha: null, filesChanged: [] });
    expect(git(wt.path, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('stages new, modified and deleted files (not .agentic-sdlc/) and writes subject, blank line, trailers', async () => {
    const { wt } = await taskWorktree();
    writeFileSync(path.join(wt.path, 'src', 'app.txt'), 'v2\n');
    mkdirSync(path.join(wt.path, 'src', 'sync'), { recursive: true });
    writeFileSync(path.join(wt.path, 'src', 'sync', 'calendar.ts'), 'export {};\n');
    rmSync(path.join(wt.path, 'README.md'));
    mkdirSync(path.join(wt.path, '.agentic-sdlc'), { recursive: true });
    writeFileSync(path.join(wt.path, '.agentic-sdlc', 'prompt.md'), 'prompt');

    const result = await commitTaskChanges({
      worktree: wt.path,
      message: 'feat(T006): add calendar sync',
      trailers,
      author: { name: 'Agent Smith', email: 'agent@example.test' },
      committer: { name: 'Runner Bot', email: 'runner@example.test' },
    });
    expect(result.sha).toBe(git(wt.path, 'rev-parse', 'HEAD'));
    expect(result.filesChanged).toEqual(['README.md', 'src/app.txt', 'src/sync/calendar.ts']);
    expect(git(wt.path, 'log', '-1', '--format=%B')).toBe(
      'feat(T006): add calendar sync\n\nTask: T006\nFeature: 042-calendar-sync\nAgent: opencode 1.2.3',
    );
    expect(git(wt.path, 'log', '-1', '--format=%(trailers:only,unfold)')).toBe(
      'Task: T006\nFeature: 042-calendar-sync\nAgent: opencode 1.2.3',
    );
    expect(git(wt.path, 'log', '-1', '--format=%(trailers:key=Task,valueonly)')).toBe('T006');
    expect(git(wt.path, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(
      'Agent Smith <agent@example.test>|Runner Bot <runner@example.test>',
    );
    expect(git(wt.path, 'show', '--name-only', '--format=', 'HEAD')).not.toContain('.agentic-sdlc');
    expect(git(wt.path, 'status', '--porcelain')).toBe('');
  });

  it('keeps a message body before the trailers; committer defaults to the author', async () => {
    const { wt } = await taskWorktree();
    writeFileSync(path.join(wt.path, 'new.txt'), 'x\n');
    await commitTaskChanges({
      worktree: wt.path,
      message: 'fix(T006): subject\n\nBody line.',
      trailers: { Task: 'T006' },
      author: { name: 'Agent Smith', email: 'agent@example.test' },
    });
    expect(git(wt.path, 'log', '-1', '--format=%B')).toBe('fix(T006): subject\n\nBody line.\n\nTask: T006');
    expect(git(wt.path, 'log', '-1', '--format=%cn <%ce>')).toBe('Agent Smith <agent@example.test>');
  });

  it('uses git identity from the environment when none is given', async () => {
    const { wt } = await taskWorktree();
    writeFileSync(path.join(wt.path, 'new.txt'), 'x\n');
    await commitTaskChanges({ worktree: wt.path, message: 'chore(T006): env identity', trailers: {} });
    expect(git(wt.path, 'log', '-1', '--format=%an|%cn')).toBe('Test Author|Test Committer');
  });

  it('rejects malformed trailers before touching the repository', async () => {
    const { wt } = await taskWorktree();
    writeFileSync(path.join(wt.path, 'new.txt'), 'x\n');
    await expect(
      commitTaskChanges({ worktree: wt.path, message: 'm', trailers: { 'Bad Key': 'v' } }),
    ).rejects.toBeInstanceOf(InvalidTrailerError);
    await expect(
      commitTaskChanges({ worktree: wt.path, message: 'm', trailers: { Task: 'a\nb' } }),
    ).rejects.toMatchObject({ code: 'E_INVALID_TRAILER' });
    expect(git(wt.path, 'status', '--porcelain')).toBe('?? new.txt');
  });
});
