import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { asdlc, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const INSTALL_SPECKIT = fileURLToPath(new URL('../../../scripts/install-speckit.sh', import.meta.url));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) {
        out[`${relative(dir, abs)}/`] = 'dir';
        walk(abs);
      } else out[relative(dir, abs)] = createHash('sha256').update(readFileSync(abs)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('asdlc init opencode in a project made by the real spec-kit CLI', () => {
  it('specify init → asdlc init: files in place; a second init changes nothing; --remove restores every byte', () => {
    // The pinned specify-cli from PyPI, in a cached venv (scripts/install-speckit.sh).
    const specify = execFileSync('bash', [INSTALL_SPECKIT], { encoding: 'utf8', timeout: 300_000 }).trim();
    const root = tempDir('asdlc-speckit-');
    const dir = join(root, 'proj');
    execFileSync(
      specify,
      [
        'init',
        dir,
        '--integration',
        'opencode',
        '--script',
        'sh',
        '--ignore-agent-tools',
        '--non-interactive',
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: join(root, 'home') },
        timeout: 60_000,
      },
    );
    const before = tree(dir);
    expect(before).toHaveProperty(['.opencode/commands/speckit.implement.md']);

    const first = asdlc(['init', 'opencode', '--json'], { cwd: dir });
    expect(first.status, first.stderr).toBe(0);
    const plan = JSON.parse(first.stdout);
    expect(plan).toMatchObject({ mode: 'install', changed: true, skipped: [] });
    expect(plan.changes.map((c: { action: string; path: string }) => `${c.action} ${c.path}`)).toEqual([
      'create .opencode/plugins/asdlc.ts',
      'create .opencode/agents/async-dispatcher.md',
      'create .opencode/commands/asdlc.dispatch.md',
      'insert-block .opencode/commands/speckit.implement.md',
      'create .opencode/.asdlc-manifest.json',
    ]);
    const implement = readFileSync(join(dir, '.opencode/commands/speckit.implement.md'), 'utf8');
    expect(implement).toMatch(/^---\ndescription: [^\n]+\n---\n\n<!-- asdlc:begin/);
    expect(implement).toContain('`asdlc_dispatch`');
    expect(implement).toContain('check-prerequisites.sh'); // spec-kit's own steps are still there
    const installed = tree(dir);

    const second = asdlc(['init', 'opencode', '--json'], { cwd: dir });
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: false, changes: [] });
    expect(tree(dir)).toEqual(installed);

    const removed = asdlc(['init', 'opencode', '--remove', '--json'], { cwd: dir });
    expect(removed.status, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout).changes).toContainEqual({
      path: '.opencode/commands/speckit.implement.md',
      action: 'remove-block',
      detail: 'restored byte for byte',
    });
    expect(tree(dir)).toEqual(before);
  }, 320_000);
});
