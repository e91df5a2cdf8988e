#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startScriptedModel } from './_server.js';
import type { Script } from './types.js';

const USAGE = 'usage: scripted-model --scripts <file.json> [--port N] [--host 127.0.0.1]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scripts: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.scripts) {
    process.stderr.write(`scripted-model: --scripts is required\n${USAGE}\n`);
    return 2;
  }
  const file = JSON.parse(await readFile(values.scripts, 'utf8')) as {
    scripts?: Record<string, Script>;
    defaultScript?: Script;
  };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`scripted-model: --port must be 0..65535, got ${values.port}\n`);
    return 2;
  }
  const model = await startScriptedModel({
    scripts: file.scripts ?? {},
    ...(file.defaultScript ? { defaultScript: file.defaultScript } : {}),
    port,
    host: values.host ?? '127.0.0.1',
  });
  process.stdout.write(`${model.url}\n`);
  process.stderr.write(`scripted-model (offline demo model) listening on ${model.url}/v1\n`);
  const stop = () => {
    void model.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`scripted-model: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
