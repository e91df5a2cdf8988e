import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findLiteralCredentials } from '@agentic-sdlc/secrets-config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/paths.js';

interface Instruction {
  cmd: string;
  args: string;
  stage: number;
}

/** Minimal Dockerfile parser: joins continuation lines, drops comments, tracks FROM stages. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let buf = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (buf === '' && (line.trim().startsWith('#') || line.trim() === '')) continue;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (buf + line).trim();
    buf = '';
    const m = /^(\w+)\s+(.*)$/s.exec(full);
    if (!m) continue;
    const cmd = m[1]!.toUpperCase();
    if (cmd === 'FROM') stage++;
    out.push({ cmd, args: m[2]!.replace(/\s+/g, ' '), stage });
  }
  return out;
}

/** Dockerfile variable references are `$` + `{NAME}`; spelled out so biome sees no template mistake. */
const DOLLAR = '$';
const dockerfile = readFileSync(resolve(REPO_ROOT, 'docker/agent/Dockerfile'), 'utf8');
const ins = parseDockerfile(dockerfile);
const finalStage = Math.max(...ins.map((i) => i.stage));
const final = ins.filter((i) => i.stage === finalStage);
const agentPkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'apps/opencode-agent/package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  bin: Record<string, string>;
};
const argDefault = (name: string) =>
  ins
    .map((i) => (i.cmd === 'ARG' ? new RegExp(`^${name}=(.+)$`).exec(i.args)?.[1] : undefined))
    .find(Boolean);

describe('docker/agent/Dockerfile', () => {
  it('pins opencode-ai to the version apps/opencode-agent depends on', () => {
    const pinned = agentPkg.dependencies['opencode-ai'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(argDefault('OPENCODE_VERSION')).toBe(pinned);
    expect(
      final.some((i) => i.cmd === 'RUN' && i.args.includes(`"opencode-ai@${DOLLAR}{OPENCODE_VERSION}"`)),
    ).toBe(true);
  });

  it('is based on the Node LTS slim image, pinned to an exact version, in every stage', () => {
    expect(argDefault('NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-bookworm-slim$/);
    expect(ins.filter((i) => i.cmd === 'FROM').every((i) => i.args.startsWith(`${DOLLAR}{NODE_IMAGE}`))).toBe(
      true,
    );
  });

  it('installs git, openssh-client, ca-certificates and ripgrep', () => {
    const apt = final.find((i) => i.cmd === 'RUN' && i.args.includes('apt-get install'))!.args;
    for (const pkg of ['git', 'openssh-client', 'ca-certificates', 'ripgrep'])
      expect(apt).toMatch(new RegExp(`\\b${pkg}\\b`));
  });

  it('runs as non-root UID 10001 with asdlc-agent (the app bin) as entrypoint', () => {
    const users = final.filter((i) => i.cmd === 'USER');
    expect(users.at(-1)!.args).toBe('10001:10001');
    expect(Number(users.at(-1)!.args.split(':')[0])).toBeGreaterThan(0);
    expect(Object.keys(agentPkg.bin)).toEqual(['asdlc-agent']);
    const entry = JSON.parse(final.find((i) => i.cmd === 'ENTRYPOINT')!.args) as string[];
    expect(entry.at(-1)).toBe('asdlc-agent');
    expect(dockerfile).toContain(`/opt/asdlc-agent/${agentPkg.bin['asdlc-agent']!.replace(/^\.\//, '')}`);
  });

  it('works with a read-only root filesystem: HOME and caches under /home/agent and /tmp', () => {
    const env = final
      .filter((i) => i.cmd === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/HOME=\/home\/agent/);
    expect(env).toMatch(/TMPDIR=\/tmp/);
    expect(env).toMatch(/XDG_CACHE_HOME=\/tmp\//);
    expect(final.find((i) => i.cmd === 'WORKDIR')!.args).toBe('/workspace');
  });

  it('bakes in no secret: no credential literal, no secret-looking ENV/ARG, secrets ignored from the context', () => {
    expect(findLiteralCredentials(dockerfile)).toEqual([]);
    for (const i of ins.filter((x) => x.cmd === 'ENV' || x.cmd === 'ARG')) {
      expect(i.args).not.toMatch(/(TOKEN|SECRET|PASSWORD|API_KEY)\s*=/i);
    }
    const ignore = readFileSync(resolve(REPO_ROOT, 'docker/agent/Dockerfile.dockerignore'), 'utf8');
    for (const p of ['.env', '**/*.pem', '**/node_modules', '.git']) expect(ignore.split('\n')).toContain(p);
  });

  it('CI workflow builds this Dockerfile', () => {
    const wf = parse(readFileSync(resolve(REPO_ROOT, '.github/workflows/agent-image.yml'), 'utf8')) as {
      jobs: { build: { steps: { uses?: string; with?: Record<string, unknown> }[] } };
    };
    const build = wf.jobs.build.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with?.file).toBe('docker/agent/Dockerfile');
    expect(build?.with?.context).toBe('.');
  });
});
