import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BEGIN_MARK,
  END_MARK,
  recogniseImplement,
  withBlock,
  withoutBlock,
} from '../src/init/implement-block.js';
import { applyPlan, loadTemplates, MANIFEST, planInstall, planRemove } from '../src/init/opencode-init.js';
import { asdlc, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const templates = loadTemplates();

/** spec-kit's implement command, shortened (front matter, $ARGUMENTS, check-prerequisites, tasks.md). */
const SPECKIT_IMPLEMENT = `---
description: Execute the implementation plan by processing and executing all tasks defined in tasks.md
---

## User Input

\`\`\`text
$ARGUMENTS
\`\`\`

1. Run \`.specify/scripts/bash/check-prerequisites.sh --json --require-tasks --include-tasks\` from repo root.
2. Read tasks.md for the complete task list.
`;

/** The agentic-sdlc fork's /spec.implement, shortened. */
const FORK_IMPLEMENT = `---
description: Execute tasks with SYNC/ASYNC handling
scripts:
  sh: scripts/bash/check-prerequisites.sh --json --require-tasks --include-tasks
---

Load tasks.md and tasks_meta.json. For ASYNC tasks: generate delegation prompts via \`tasks-meta-utils.sh dispatch-async\`, send to LLM agents.
`;

function project(files: Record<string, string>): string {
  const dir = join(tempDir('asdlc-init-'), 'proj');
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

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

function install(dir: string) {
  const plan = planInstall(dir, templates);
  applyPlan(plan);
  return plan;
}
function remove(dir: string) {
  const plan = planRemove(dir);
  applyPlan(plan);
  return plan;
}
const actions = (plan: ReturnType<typeof planInstall>) =>
  plan.changes.filter((c) => c.action !== 'rmdir').map((c) => `${c.action} ${c.path}`);

describe('implement block', () => {
  it('recognises spec-kit and fork implement commands, and nothing else', () => {
    expect(recogniseImplement('speckit.implement.md', SPECKIT_IMPLEMENT)).toEqual({ flavour: 'speckit' });
    expect(recogniseImplement('spec.implement.md', FORK_IMPLEMENT)).toEqual({ flavour: 'fork' });
    expect(recogniseImplement('speckit.implement.md', '# my own implement notes\n')).toHaveProperty('reason');
    expect(recogniseImplement('implement.md', '---\ndescription: x\n---\nRun the tests.\n')).toHaveProperty(
      'reason',
    );
  });

  it('goes in after the front matter and comes out byte for byte (LF, CRLF, no final newline)', () => {
    for (const text of [
      SPECKIT_IMPLEMENT,
      SPECKIT_IMPLEMENT.replace(/\n/g, '\r\n'),
      SPECKIT_IMPLEMENT.trimEnd(),
      '---\ndescription: x\n---',
    ]) {
      const added = withBlock(text, templates.snippets.speckit);
      expect(added.indexOf(BEGIN_MARK)).toBeGreaterThan(text.indexOf('---', 3));
      expect(added).toContain(END_MARK);
      expect(withBlock(added, templates.snippets.speckit)).toBe(added);
      expect(withoutBlock(added)).toBe(text);
      if (text.includes('\r\n')) expect(added.replace(/\r\n/g, '')).not.toContain('\n');
    }
  });
});

describe('asdlc init opencode on fixture trees', () => {
  it('spec-kit ≥0.8.10 layout: writes plugin, agent, command, the implement block; idempotent; --remove restores', () => {
    const dir = project({ '.opencode/commands/speckit.implement.md': SPECKIT_IMPLEMENT, 'README.md': 'x\n' });
    const before = tree(dir);
    expect(actions(install(dir))).toEqual([
      'create .opencode/plugins/asdlc.ts',
      'create .opencode/agents/async-dispatcher.md',
      'create .opencode/commands/asdlc.dispatch.md',
      'insert-block .opencode/commands/speckit.implement.md',
      `create .opencode/${MANIFEST}`,
    ]);
    expect(readFileSync(join(dir, '.opencode/plugins/asdlc.ts'), 'utf8')).toBe(templates.plugin);
    expect(readFileSync(join(dir, '.opencode/commands/speckit.implement.md'), 'utf8')).toContain(
      'asdlc_dispatch',
    );
    const after = tree(dir);
    const again = install(dir);
    expect(again.changes).toEqual([]);
    expect(again.unchanged).toHaveLength(4);
    expect(tree(dir)).toEqual(after);
    expect(actions(remove(dir))).toEqual([
      'delete .opencode/plugins/asdlc.ts',
      'delete .opencode/agents/async-dispatcher.md',
      'delete .opencode/commands/asdlc.dispatch.md',
      'remove-block .opencode/commands/speckit.implement.md',
      `delete .opencode/${MANIFEST}`,
    ]);
    expect(tree(dir)).toEqual(before);
  });

  it('no .opencode at all: creates it, says there is no implement command; --remove leaves no trace', () => {
    const dir = project({ 'src/a.js': '1\n' });
    const before = tree(dir);
    const plan = install(dir);
    expect(plan.skipped.map((s) => s.reason).join()).toMatch(/no spec-kit implement command found/);
    expect(existsSync(join(dir, '.opencode/commands/asdlc.dispatch.md'))).toBe(true);
    remove(dir);
    expect(tree(dir)).toEqual(before);
  });

  it('older layout (.opencode/command/, pre-0.0.57 implement.md) and both layouts at once', () => {
    const old = project({
      '.opencode/command/implement.md': SPECKIT_IMPLEMENT,
      '.opencode/agent/reviewer.md': '---\ndescription: r\n---\nReview.\n',
      '.opencode/plugin/other.ts': 'export const Other = async () => ({});\n',
    });
    const before = tree(old);
    expect(actions(install(old))).toEqual([
      'create .opencode/plugin/asdlc.ts',
      'create .opencode/agent/async-dispatcher.md',
      'create .opencode/command/asdlc.dispatch.md',
      'insert-block .opencode/command/implement.md',
      `create .opencode/${MANIFEST}`,
    ]);
    remove(old);
    expect(tree(old)).toEqual(before);

    const both = project({
      '.opencode/commands/speckit.implement.md': SPECKIT_IMPLEMENT,
      '.opencode/command/speckit.implement.md': SPECKIT_IMPLEMENT,
    });
    const plan = install(both);
    // The command in both layouts; the plugin once (twice would load it twice).
    expect(actions(plan).filter((a) => a.includes('asdlc.'))).toEqual([
      'create .opencode/plugins/asdlc.ts',
      'create .opencode/commands/asdlc.dispatch.md',
      'create .opencode/command/asdlc.dispatch.md',
    ]);
    expect(actions(plan).filter((a) => a.startsWith('insert-block'))).toHaveLength(2);
  });

  it('agentic-sdlc fork: /spec.implement gets the fork block (delegation prompts → asdlc_dispatch)', () => {
    const dir = project({
      '.opencode/commands/spec.implement.md': FORK_IMPLEMENT,
      '.opencode/commands/adlc.spec.implement.md': FORK_IMPLEMENT,
    });
    install(dir);
    for (const f of ['spec.implement.md', 'adlc.spec.implement.md']) {
      const text = readFileSync(join(dir, '.opencode/commands', f), 'utf8');
      expect(text).toContain('delegation_prompts');
      expect(text).toContain('asdlc_dispatch');
    }
  });

  it('never edits a file it does not recognise, and says what it skipped', () => {
    const mine = '# implement\n\nMy own implement command, hand-written.\n';
    const plugin = 'export const Mine = async () => ({});\n';
    const dir = project({
      '.opencode/commands/speckit.implement.md': mine,
      '.opencode/plugins/asdlc.ts': plugin,
    });
    const before = tree(dir);
    const plan = install(dir);
    expect(plan.skipped).toEqual([
      {
        path: '.opencode/plugins/asdlc.ts',
        reason: 'exists and was not written by asdlc init; left as it is',
      },
      {
        path: '.opencode/commands/speckit.implement.md',
        reason: 'no front matter with a description (not a spec-kit command file)',
      },
      expect.objectContaining({ reason: expect.stringMatching(/no spec-kit implement command found/) }),
    ]);
    expect(readFileSync(join(dir, '.opencode/commands/speckit.implement.md'), 'utf8')).toBe(mine);
    expect(readFileSync(join(dir, '.opencode/plugins/asdlc.ts'), 'utf8')).toBe(plugin);
    remove(dir);
    expect(tree(dir)).toEqual(before);
  });

  it('--remove keeps what the user changed since: an edited file stays, other edits around the block survive', () => {
    const dir = project({ '.opencode/commands/speckit.implement.md': SPECKIT_IMPLEMENT });
    install(dir);
    writeFileSync(join(dir, '.opencode/agents/async-dispatcher.md'), 'my version\n');
    const implement = join(dir, '.opencode/commands/speckit.implement.md');
    writeFileSync(implement, `${readFileSync(implement, 'utf8')}3. My extra step.\n`);
    const plan = remove(dir);
    expect(plan.skipped).toEqual([
      {
        path: '.opencode/agents/async-dispatcher.md',
        reason: 'changed since asdlc init wrote it; left in place',
      },
    ]);
    expect(plan.changes.find((c) => c.action === 'remove-block')?.detail).toMatch(/other edits since, kept/);
    expect(readFileSync(implement, 'utf8')).toBe(`${SPECKIT_IMPLEMENT}3. My extra step.\n`);
    expect(existsSync(join(dir, '.opencode/agents/async-dispatcher.md'))).toBe(true);
    expect(existsSync(join(dir, '.opencode/plugins'))).toBe(false);
  });

  it('a second init after an upgrade of the templates updates the files it wrote, and only those', () => {
    const dir = project({ '.opencode/commands/speckit.implement.md': SPECKIT_IMPLEMENT });
    install(dir);
    const newer = {
      ...templates,
      agent: `${templates.agent}\nNew line.\n`,
      snippets: { ...templates.snippets, speckit: 'Use asdlc_dispatch.' },
    };
    const plan = planInstall(dir, newer);
    applyPlan(plan);
    expect(actions(plan)).toEqual([
      'update .opencode/agents/async-dispatcher.md',
      'update-block .opencode/commands/speckit.implement.md',
      `update .opencode/${MANIFEST}`,
    ]);
    remove(dir);
    expect(readFileSync(join(dir, '.opencode/commands/speckit.implement.md'), 'utf8')).toBe(
      SPECKIT_IMPLEMENT,
    );
  });
});

describe('asdlc init opencode (CLI)', () => {
  it('--dry-run lists the changes and writes nothing; --json; a second run says nothing changed', () => {
    const dir = project({ '.opencode/commands/speckit.implement.md': SPECKIT_IMPLEMENT });
    const before = tree(dir);
    const dry = asdlc(['init', 'opencode', '--dir', dir, '--dry-run', '--json'], { cwd: dir });
    expect(dry.status, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan).toMatchObject({ mode: 'install', dryRun: true, changed: false });
    expect(plan.changes.map((c: { action: string }) => c.action)).toEqual([
      'create',
      'create',
      'create',
      'insert-block',
      'create',
    ]);
    expect(tree(dir)).toEqual(before);
    const first = asdlc(['init', 'opencode', '--no-json'], { cwd: dir });
    expect(first.stdout).toMatch(/insert-block +\.opencode\/commands\/speckit\.implement\.md/);
    const second = asdlc(['init', 'opencode', '--no-json'], { cwd: dir });
    expect(second.stdout).toMatch(/^Nothing to change: asdlc's OpenCode integration is already installed/);
    const gone = asdlc(['init', 'opencode', '--remove', '--json'], { cwd: dir });
    expect(JSON.parse(gone.stdout)).toMatchObject({ mode: 'remove', changed: true });
    expect(tree(dir)).toEqual(before);
    const again = asdlc(['init', 'opencode', '--remove', '--no-json'], { cwd: dir });
    expect(again.stdout).toMatch(/not found: asdlc init has not run here/);
  });
});
