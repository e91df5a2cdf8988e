#!/usr/bin/env node
// Write charts/agentic-sdlc-agent-runner/values.schema.json from the zod model (ChartValuesSchema).
// Run via `pnpm --filter @agentic-sdlc/secrets-config gen:schema` (builds dist first).
// `--check` exits 1 instead of writing when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartValuesJsonSchema, serializeJsonSchema } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, '../../../charts/agentic-sdlc-agent-runner/values.schema.json');
const next = serializeJsonSchema(chartValuesJsonSchema());
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {}
if (process.argv.includes('--check')) {
  if (current !== next) {
    console.error(`${target} is out of date: run pnpm --filter @agentic-sdlc/secrets-config gen:schema`);
    process.exit(1);
  }
  console.error(`${target} is up to date`);
} else if (current === next) {
  console.error(`${target} unchanged`);
} else {
  writeFileSync(target, next);
  console.error(`wrote ${target}`);
}
