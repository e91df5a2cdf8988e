#!/usr/bin/env node
import { main } from './cli.js';

const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    signals++;
    // First signal: stop the agent gracefully and still print the result; a third one gives up.
    if (signals >= 3) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  });
}

const code = await main(
  process.argv.slice(2),
  {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  controller.signal,
);
process.stdout.write('', () => process.exit(code));
