import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import {
  findBlock,
  IMPLEMENT_COMMAND_FILES,
  type ImplementFlavour,
  recogniseImplement,
  withBlock,
  withoutBlock,
} from './implement-block.js';

/**
 * `asdlc init opencode`: installs asdlc's OpenCode integration into a project's `.opencode/` and records what it
 * did in `.opencode/.asdlc-manifest.json` (committed with the files it describes, so anyone can `--remove`).
 */

export const MANIFEST = '.asdlc-manifest.json';
export const OPENCODE_DIR = '.opencode';

export type ChangeAction =
  | 'create'
  | 'update'
  | 'insert-block'
  | 'update-block'
  | 'delete'
  | 'remove-block'
  | 'rmdir';

export interface Change {
  /** Relative to the project directory, `/`-separated. */
  path: string;
  action: ChangeAction;
  detail?: string;
}

export interface Skip {
  path: string;
  reason: string;
}

export interface InitPlan {
  dir: string;
  mode: 'install' | 'remove';
  changes: Change[];
  skipped: Skip[];
  /** Unchanged files that are ours (for the "nothing to change" message). */
  unchanged: string[];
  /** Applies the changes (nothing else touches the disk). */
  writes: Array<() => void>;
}

interface ManifestEntry {
  path: string;
  /** `file`: written by init; `block`: an existing file with our block in it. */
  kind: 'file' | 'block';
  sha256: string;
  /** `block`: the file's hash before the block went in. */
  originalSha256?: string;
}

interface Manifest {
  generator: 'asdlc init opencode';
  version: 1;
  files: ManifestEntry[];
  /** Directories init created (removed again by --remove when empty), deepest last. */
  createdDirs: string[];
}

export interface Templates {
  plugin: string;
  agent: string;
  command: string;
  snippets: Record<ImplementFlavour, string>;
}

/** The files shipped in `@agentic-sdlc/opencode-agent/opencode/`. */
export function loadTemplates(): Templates {
  const require = createRequire(import.meta.url);
  const plugin = require.resolve('@agentic-sdlc/opencode-agent/opencode/plugins/asdlc.ts');
  const root = dirname(dirname(plugin));
  const read = (p: string) => readFileSync(join(root, p), 'utf8');
  return {
    plugin: read('plugins/asdlc.ts'),
    agent: read('agents/async-dispatcher.md'),
    command: read('commands/asdlc.dispatch.md'),
    snippets: { speckit: read('snippets/implement-speckit.md'), fork: read('snippets/implement-fork.md') },
  };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function posix(path: string): string {
  return path.split('\\').join('/');
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readManifest(file: string): Manifest | null {
  if (!existsSync(file)) return null;
  const data = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (data.generator !== 'asdlc init opencode' || !Array.isArray(data.files))
    throw new Error(`${file} is not an asdlc manifest`);
  return data;
}

/**
 * Which of OpenCode's two spellings of a config sub-folder to use: the ones the project already has.
 * `all`: every existing one (commands: both layouts load, a duplicate only overrides itself);
 * otherwise one (a plugin or agent in two places would load twice).
 */
function layoutDirs(oc: string, plural: string, singular: string, all: boolean): string[] {
  const existing = [plural, singular].filter((d) => isDir(join(oc, d)));
  if (existing.length === 0) return [plural];
  return all ? existing : [existing[0]!];
}

export function planInstall(dir: string, templates: Templates): InitPlan {
  const oc = join(dir, OPENCODE_DIR);
  const manifestFile = join(oc, MANIFEST);
  const old = readManifest(manifestFile);
  const known = new Map((old?.files ?? []).map((f) => [f.path, f]));
  const plan: InitPlan = { dir, mode: 'install', changes: [], skipped: [], unchanged: [], writes: [] };
  const entries: ManifestEntry[] = [];
  const createdDirs = new Set(old?.createdDirs ?? []);
  const rel = (abs: string) => posix(relative(dir, abs));

  const ensureDir = (abs: string) => {
    const chain: string[] = [];
    for (let d = abs; !isDir(d) && d.startsWith(dir) && d !== dir; d = dirname(d)) chain.unshift(d);
    for (const d of chain) createdDirs.add(rel(d));
    return chain.length > 0;
  };

  const ownFile = (abs: string, content: string) => {
    const path = rel(abs);
    const want = sha256(content);
    const prev = known.get(path);
    if (existsSync(abs)) {
      const have = sha256(readFileSync(abs));
      if (have === want) {
        plan.unchanged.push(path);
        // Identical bytes that init did not write (e.g. copied by hand) are kept on --remove.
        if (prev) entries.push({ path, kind: 'file', sha256: want });
        return;
      }
      if (!prev) {
        plan.skipped.push({ path, reason: 'exists and was not written by asdlc init; left as it is' });
        return;
      }
      if (prev.sha256 !== have) {
        plan.skipped.push({ path, reason: 'changed since asdlc init wrote it; left as it is' });
        entries.push(prev);
        return;
      }
      plan.changes.push({ path, action: 'update', detail: 'newer asdlc version' });
    } else {
      plan.changes.push({ path, action: 'create' });
    }
    entries.push({ path, kind: 'file', sha256: want });
    ensureDir(dirname(abs));
    plan.writes.push(() => {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    });
  };

  const pluginDir = layoutDirs(oc, 'plugins', 'plugin', false)[0]!;
  ownFile(join(oc, pluginDir, 'asdlc.ts'), templates.plugin);
  const agentDir = layoutDirs(oc, 'agents', 'agent', false)[0]!;
  ownFile(join(oc, agentDir, 'async-dispatcher.md'), templates.agent);
  const commandDirs = layoutDirs(oc, 'commands', 'command', true);
  for (const d of commandDirs) ownFile(join(oc, d, 'asdlc.dispatch.md'), templates.command);

  // spec-kit's implement command(s): only recognised files get the block.
  for (const d of ['commands', 'command']) {
    for (const name of IMPLEMENT_COMMAND_FILES) {
      const abs = join(oc, d, name);
      if (!existsSync(abs)) continue;
      const path = rel(abs);
      const text = readFileSync(abs, 'utf8');
      const prev = known.get(path);
      let located: ReturnType<typeof findBlock>;
      try {
        located = findBlock(text);
      } catch (error) {
        plan.skipped.push({ path, reason: `damaged asdlc block: ${(error as Error).message}` });
        if (prev) entries.push(prev);
        continue;
      }
      const base = located ? withoutBlock(text) : text;
      const seen = recogniseImplement(name, base);
      if ('reason' in seen) {
        plan.skipped.push({ path, reason: seen.reason });
        if (prev) entries.push(prev);
        continue;
      }
      const next = withBlock(text, templates.snippets[seen.flavour]);
      const originalSha256 = prev?.originalSha256 ?? sha256(base);
      entries.push({ path, kind: 'block', sha256: sha256(next), originalSha256 });
      if (next === text) {
        plan.unchanged.push(path);
        continue;
      }
      plan.changes.push({
        path,
        action: located ? 'update-block' : 'insert-block',
        detail: `${seen.flavour === 'fork' ? 'agentic-sdlc fork' : 'spec-kit'} implement: [ASYNC] tasks via asdlc_dispatch`,
      });
      plan.writes.push(() => writeFileSync(abs, next));
    }
  }
  if (!entries.some((e) => e.kind === 'block'))
    plan.skipped.push({
      path: `${OPENCODE_DIR}/commands/speckit.implement.md`,
      reason:
        'no spec-kit implement command found (run `specify init --here --integration opencode` first for /speckit.implement)',
    });

  // Manifest: stable content (no timestamps), so a second run finds nothing to change.
  ensureDir(oc);
  const depth = (p: string) => p.split('/').length;
  const manifest: Manifest = {
    generator: 'asdlc init opencode',
    version: 1,
    files: entries,
    createdDirs: [...createdDirs].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b)),
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestPath = rel(manifestFile);
  const current = existsSync(manifestFile) ? readFileSync(manifestFile, 'utf8') : null;
  if (current !== manifestText) {
    plan.changes.push({
      path: manifestPath,
      action: current === null ? 'create' : 'update',
      detail: 'what init did, for --remove',
    });
    plan.writes.push(() => {
      mkdirSync(oc, { recursive: true });
      writeFileSync(manifestFile, manifestText);
    });
  }
  return plan;
}

export function planRemove(dir: string): InitPlan {
  const oc = join(dir, OPENCODE_DIR);
  const manifestFile = join(oc, MANIFEST);
  const plan: InitPlan = { dir, mode: 'remove', changes: [], skipped: [], unchanged: [], writes: [] };
  const manifest = readManifest(manifestFile);
  if (!manifest) {
    plan.skipped.push({
      path: posix(relative(dir, manifestFile)),
      reason: 'not found: asdlc init has not run here',
    });
    return plan;
  }
  for (const entry of manifest.files) {
    const abs = join(dir, entry.path);
    if (!existsSync(abs)) {
      plan.skipped.push({ path: entry.path, reason: 'already gone' });
      continue;
    }
    const bytes = readFileSync(abs);
    if (entry.kind === 'file') {
      if (sha256(bytes) !== entry.sha256) {
        plan.skipped.push({ path: entry.path, reason: 'changed since asdlc init wrote it; left in place' });
        continue;
      }
      plan.changes.push({ path: entry.path, action: 'delete' });
      plan.writes.push(() => unlinkSync(abs));
      continue;
    }
    const text = bytes.toString('utf8');
    let restored: string;
    try {
      if (!findBlock(text)) {
        plan.skipped.push({ path: entry.path, reason: 'the asdlc block is no longer in it' });
        continue;
      }
      restored = withoutBlock(text);
    } catch (error) {
      plan.skipped.push({
        path: entry.path,
        reason: `damaged asdlc block, left as it is: ${(error as Error).message}`,
      });
      continue;
    }
    const exact = sha256(restored) === entry.originalSha256;
    plan.changes.push({
      path: entry.path,
      action: 'remove-block',
      detail: exact ? 'restored byte for byte' : 'block removed; the file had other edits since, kept',
    });
    plan.writes.push(() => writeFileSync(abs, restored));
  }
  plan.changes.push({ path: posix(relative(dir, manifestFile)), action: 'delete' });
  plan.writes.push(() => unlinkSync(manifestFile));
  // Directories init created, deepest first, when nothing else is left in them.
  const dirs = [...manifest.createdDirs].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const d of dirs) {
    const abs = join(dir, d);
    plan.writes.push(() => {
      if (isDir(abs) && readdirSync(abs).length === 0) rmdirSync(abs);
    });
    plan.changes.push({ path: `${d}/`, action: 'rmdir', detail: 'if empty' });
  }
  return plan;
}

export function applyPlan(plan: InitPlan): void {
  for (const write of plan.writes) write();
}
