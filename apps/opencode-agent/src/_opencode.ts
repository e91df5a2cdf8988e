import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

const require = createRequire(import.meta.url);

/** The `opencode-ai` version pinned in this package's package.json (the one place it is pinned). */
export function pinnedOpencodeVersion(): string | null {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    return pkg.dependencies?.['opencode-ai']?.replace(/^[~^=]/, '') ?? null;
  } catch {
    return null;
  }
}

function platformPackage(): string[] {
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const base = `opencode-${process.platform === 'win32' ? 'windows' : process.platform}-${arch}`;
  return [base, `${base}-baseline`, `${base}-musl`, `${base}-baseline-musl`];
}

/**
 * The OpenCode binary: `explicit` (flag), `ASDLC_OPENCODE_BIN`, the installed `opencode-ai` dependency's
 * binary (hard-linked by its postinstall), its platform package's ELF, else `opencode` on PATH.
 */
export function resolveOpencodeBin(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return explicit;
  if (env.ASDLC_OPENCODE_BIN) return env.ASDLC_OPENCODE_BIN;
  try {
    const pkgDir = dirname(require.resolve('opencode-ai/package.json'));
    const linked = join(pkgDir, 'bin', process.platform === 'win32' ? 'opencode.exe' : 'opencode.exe');
    // The tarball ships a small placeholder script; after postinstall it is the real (large) binary.
    if (existsSync(linked) && statSync(linked).size > 1_000_000) return linked;
    const fromWrapper = createRequire(join(pkgDir, 'package.json'));
    for (const name of platformPackage()) {
      try {
        const bin = join(dirname(fromWrapper.resolve(`${name}/package.json`)), 'bin', 'opencode');
        if (existsSync(bin)) return bin;
      } catch {
        // not installed for this platform
      }
    }
  } catch {
    // opencode-ai not installed
  }
  return 'opencode';
}

/** `opencode --version`, or the pinned version when the binary cannot tell. */
export async function opencodeVersion(bin: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await execa(bin, ['--version'], {
      env,
      extendEnv: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    const version = stdout.trim().split('\n').pop()?.trim();
    if (version && /^\d+\.\d+/.test(version)) return version;
  } catch {
    // fall through
  }
  return pinnedOpencodeVersion() ?? 'unknown';
}

type Json = Record<string, unknown>;

/** Turn every "ask" into "allow" (headless runs auto-reject "ask"); explicit "deny" rules stay. */
export function neverAsk(permission: unknown): unknown {
  const rules = replaceAsk(permission);
  if (typeof rules !== 'object' || rules === null) return rules;
  const out = rules as Json;
  // Tools OpenCode's build agent would otherwise "ask" for by default.
  for (const key of ['edit', 'bash', 'webfetch', 'external_directory', 'doom_loop']) {
    if (!(key in out)) out[key] = 'allow';
  }
  return out;
}

function replaceAsk(value: unknown): unknown {
  if (value === undefined || value === null || value === 'ask') return 'allow';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || Array.isArray(value)) return 'allow';
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) out[key] = replaceAsk(v);
  return out;
}

/**
 * The inline OpenCode config for a run: whatever `OPENCODE_CONFIG_CONTENT` already holds (providers, model),
 * with a permission that never resolves to "ask", no auto-update, no sharing and no snapshot repo.
 */
export function opencodeConfigContent(existing: string | undefined): string {
  let base: Json = {};
  if (existing && existing.trim().length > 0) {
    try {
      const parsed = JSON.parse(existing) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) base = parsed as Json;
    } catch {
      // invalid JSON: OpenCode would reject it too; start fresh
    }
  }
  return JSON.stringify({
    ...base,
    permission: neverAsk(base.permission),
    autoupdate: false,
    share: 'disabled',
    snapshot: base.snapshot ?? false,
  });
}

/** Largest prompt passed as the message argument (Linux caps one argument at 128 KiB). */
export const MAX_ARG_PROMPT = 100_000;

export interface OpencodeInvocation {
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function opencodeInvocation(input: {
  worktree: string;
  model?: string | undefined;
  prompt: string;
  promptFile: string;
  env: NodeJS.ProcessEnv;
}): OpencodeInvocation {
  const args = ['run', '--format', 'json', '--dir', input.worktree];
  if (input.model) args.push('-m', input.model);
  if (Buffer.byteLength(input.prompt) <= MAX_ARG_PROMPT) {
    args.push(input.prompt);
  } else {
    args.push(
      `Implement the task described in the attached file ${input.promptFile}. Follow its rules exactly.`,
      '-f',
      input.promptFile,
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...input.env,
    // OpenCode takes its directory from $PWD before the real cwd.
    PWD: input.worktree,
    OPENCODE_CONFIG_CONTENT: opencodeConfigContent(input.env.OPENCODE_CONFIG_CONTENT),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
  };
  return { args, env };
}

/** How many times a run that died opening OpenCode's database (parallel start-up) is tried. */
export const STARTUP_RACE_ATTEMPTS = 3;

/**
 * True when OpenCode exited before doing anything because several processes initialised or migrated its
 * SQLite database at once (`Failed query: CREATE TABLE …`, `database is locked`, `SQLITE_BUSY`).
 */
export function isStartupRace(
  stderr: string[],
  summary: { toolCalls: number; sessionId: string | null },
): boolean {
  if (summary.toolCalls > 0) return false;
  const text = stderr.join('\n');
  return /Failed query:[\s\S]*\b(CREATE|ALTER) TABLE\b|database is locked|SQLITE_BUSY|already exists/i.test(
    text,
  );
}

/** The first error lines of OpenCode's stderr, for a failure reason (one line, bounded). */
export function firstErrorLines(stderr: string[]): string {
  const lines = stderr.filter((l) => l.length > 0 && !/^(INFO|DEBUG)\b/.test(l));
  const errorAt = lines.findIndex((l) => /error|failed|exception/i.test(l));
  const picked = (errorAt >= 0 ? lines.slice(errorAt, errorAt + 3) : lines.slice(-3))
    .join(' ')
    .replace(/\s+/g, ' ');
  return picked.length > 300 ? `${picked.slice(0, 297)}...` : picked;
}
