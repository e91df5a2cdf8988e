#!/usr/bin/env node
// The demo: the bundled example feature (examples/demo) in a temp git repository with a bare remote, its
// [ASYNC] tasks run by `asdlc run` with the local executor and REAL OpenCode. Without --model, OpenCode talks
// to the offline scripted demo model (it replays examples/demo/model-script.json; it does not think).
// With --model provider/model (and that provider's API key in the environment) a real model does the work.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    parallel: { type: 'string', default: '4' },
    dir: { type: 'string' },
  },
});

const gitEnv = {
  GIT_AUTHOR_NAME: 'Demo User',
  GIT_AUTHOR_EMAIL: 'demo@example.invalid',
  GIT_COMMITTER_NAME: 'Demo User',
  GIT_COMMITTER_EMAIL: 'demo@example.invalid',
};
const git = (cwd, ...args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } }).trim();
const say = (text) => process.stderr.write(`\n\u001b[1m${text}\u001b[22m\n`);

const base = values.dir ?? mkdtempSync(join(tmpdir(), 'asdlc-demo-'));
const work = join(base, 'greeter');
const remote = join(base, 'greeter-remote.git');
mkdirSync(work, { recursive: true });
cpSync(join(root, 'examples/demo/project'), work, { recursive: true });
git(work, 'init', '-q', '-b', '001-greeter');
git(work, 'add', '-A');
git(work, 'commit', '-qm', 'Greeter: spec, plan and tasks');
git(base, 'init', '-q', '--bare', remote);
git(work, 'remote', 'add', 'origin', remote);
git(work, 'push', '-q', 'origin', '001-greeter');
say(`Demo repository: ${work} (remote: ${remote})`);

const env = { ...process.env, ...gitEnv };
let model = null;
if (values.model) {
  env.ASDLC_MODEL = values.model;
  say(`Model: ${values.model} (a real provider: its API key must be in the environment)`);
} else {
  const { startScriptedModel, opencodeConfigFor, isolatedOpencodeEnv } = await import(
    join(root, 'tools/scripted-model/dist/index.js')
  );
  const { scripts } = JSON.parse(readFileSync(join(root, 'examples/demo/model-script.json'), 'utf8'));
  model = await startScriptedModel({ scripts });
  // OpenCode state stays inside the demo folder: nothing touches your own OpenCode config.
  Object.assign(env, isolatedOpencodeEnv(opencodeConfigFor(model.url), join(base, 'opencode')));
  say(
    `Model: OFFLINE DEMO MODEL at ${model.url} — scripted replies, not a real LLM (pass --model provider/model for one)`,
  );
}

say('$ asdlc tasks');
execFileSync(process.execPath, [join(root, 'apps/cli/dist/bin.js'), 'tasks', '--no-json'], {
  cwd: work,
  env,
  stdio: 'inherit',
});

say(`$ asdlc run --parallel ${values.parallel}`);
const code = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [join(root, 'apps/cli/dist/bin.js'), 'run', '--parallel', values.parallel],
    {
      cwd: work,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
});
await model?.close();

say('Pushed branches on the remote (for review):');
const branches = git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
  .split('\n')
  .filter((b) => b !== '001-greeter');
for (const branch of branches) {
  process.stdout.write(`\n${branch}\n`);
  process.stdout.write(
    `${git(remote, 'log', '--format=  %h %s%n%(trailers:only,unfold)', '--stat', '-1', branch)}\n`,
  );
}
say(`tasks.md in the main checkout now:`);
process.stdout.write(`${git(work, 'diff', '--no-color', '-U0', '--', 'specs/001-greeter/tasks.md')}\n`);
say(`Everything is in ${base}`);
process.exit(code);
