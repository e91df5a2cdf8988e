import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../test/_helpers.js';
import { NotARepoError } from './errors.js';
import { headSha, isDirty } from './status.js';
import { createTaskWorktree } from './worktree.js';

afterAll(cleanupTempDirs);

describe('headSha', () => {
  it('returns the full HEAD sha of a repository or worktree', async () => {
    const repo = makeRepo();
    expect(await headSha(repo)).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(await headSha(repo)).toMatch(/^[0-9a-f]{40}$/);
    await expect(headSha(tempDir())).rejects.toBeInstanceOf(NotARepoError);
  });
});

describe('isDirty', () => {
  it('lists modified, staged, deleted and untracked paths, limited to paths, minus ignore', async () => {
    const repo = makeRepo();
    mkdirSync(path.join(repo, 'specs', '042'), { recursive: true });
    writeFileSync(path.join(repo, 'specs', '042', 'tasks.md'), '- [ ] T001\n');
    writeFileSync(path.join(repo, 'specs', '042', 'spec.md'), '# spec\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'spec');
    expect(await isDirty({ repo })).toEqual({ dirty: false, paths: [] });

    writeFileSync(path.join(repo, 'specs', '042', 'tasks.md'), '- [X] T001\n');
    expect(await isDirty({ repo, paths: ['specs/042'], ignore: ['specs/042/tasks.md'] })).toEqual({
      dirty: false,
      paths: [],
    });
    writeFileSync(path.join(repo, 'specs', '042', 'plan.md'), 'new\n');
    writeFileSync(path.join(repo, 'src', 'app.txt'), 'v2\n');
    git(repo, 'add', 'src/app.txt');
    git(repo, 'rm', '-q', 'README.md');
    expect(await isDirty({ repo, paths: ['specs/042'] })).toEqual({
      dirty: true,
      paths: ['specs/042/plan.md', 'specs/042/tasks.md'],
    });
    expect(await isDirty({ repo, ignore: ['specs/042/tasks.md'] })).toEqual({
      dirty: true,
      paths: ['README.md', 'specs/042/plan.md', 'src/app.txt'],
    });
    // Paths are repository-relative whichever directory is passed as repo.
    expect((await isDirty({ repo: path.join(repo, 'specs'), paths: ['src'] })).paths).toEqual([
      'src/app.txt',
    ]);
  });

  it('does not report task worktrees under .agentic-sdlc/', async () => {
    const repo = makeRepo();
    await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    expect(await isDirty({ repo })).toEqual({ dirty: false, paths: [] });
  });
});
