import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Environment for a real OpenCode run against the scripted model that touches nothing of the user's own
 * OpenCode: HOME and the XDG dirs under `dir` (created), the provider config in `OPENCODE_CONFIG_CONTENT`,
 * the model for `asdlc-agent` in `ASDLC_MODEL`, and OpenCode's update and model-list fetches off.
 */
export function isolatedOpencodeEnv(config: { model?: string }, dir: string): Record<string, string> {
  const env: Record<string, string> = {
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    ASDLC_MODEL: config.model ?? 'scripted/demo',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
  };
  for (const [name, sub] of [
    ['HOME', 'home'],
    ['XDG_CONFIG_HOME', 'config'],
    ['XDG_DATA_HOME', 'data'],
    ['XDG_CACHE_HOME', 'cache'],
    ['XDG_STATE_HOME', 'state'],
  ] as const) {
    env[name] = join(dir, sub);
    mkdirSync(env[name], { recursive: true });
  }
  return env;
}
