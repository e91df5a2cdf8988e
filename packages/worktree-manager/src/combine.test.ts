import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { combineCommits, MergeConflictError } from './index.js';

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

/** A repo with `base` and one branch per entry of `changes` (file → content), each from `base`. */
function repoWith(changes: Record<string, Record<string, string>>) {
  const dir = mkdtempSync(join(tmpdir(), 'wm-combine-'));
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'shared.txt'), 'one\ntwo\nthree\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  const heads: Record<string, string> = {};
  for (const [branch, files] of Object.entries(changes)) {
    git(dir, 'checkout', '-q', '-b', branch, 'main');
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', branch);
    heads[branch] = git(dir, 'rev-parse', 'HEAD');
  }
  git(dir, 'checkout', '-q', 'main');
  return { dir, heads };
}

describe('combineCommits', () => {
  it('returns a single commit as is', async () => {
    const { dir, heads } = repoWith({ a: { 'a.txt': 'a\n' } });
    expect(await combineCommits({ repo: dir, commits: [heads.a!] })).toBe(heads.a);
  });

  it('merges independent branches into one commit without touching the work tree or any ref', async () => {
    const { dir, heads } = repoWith({ a: { 'a.txt': 'a\n' }, b: { 'b.txt': 'b\n' }, c: { 'c.txt': 'c\n' } });
    const refsBefore = git(dir, 'show-ref');
    const sha = await combineCommits({ repo: dir, commits: [heads.a!, heads.b!, heads.c!] });
    expect(git(dir, 'ls-tree', '--name-only', sha).split('\n').sort()).toEqual([
      'a.txt',
      'b.txt',
      'c.txt',
      'shared.txt',
    ]);
    for (const head of Object.values(heads))
      expect(git(dir, 'merge-base', '--is-ancestor', head, sha)).toBe('');
    expect(git(dir, 'show-ref')).toBe(refsBefore);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('names the conflicting files when two branches change the same lines', async () => {
    const { dir, heads } = repoWith({
      a: { 'shared.txt': 'one\nTWO-a\nthree\n' },
      b: { 'shared.txt': 'one\nTWO-b\nthree\n' },
    });
    const error = await combineCommits({ repo: dir, commits: [heads.a!, heads.b!] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect((error as MergeConflictError).code).toBe('E_MERGE_CONFLICT');
    expect((error as MergeConflictError).files).toEqual(['shared.txt']);
  });
});
