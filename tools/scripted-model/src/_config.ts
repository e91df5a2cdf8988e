import type { OpencodeConfigOptions } from './types.js';

/**
 * The OpenCode config (`opencode.json` / `OPENCODE_CONFIG_CONTENT`) that points OpenCode at a scripted model.
 * `@ai-sdk/openai-compatible` is bundled inside the OpenCode binary (1.18.x), so nothing is fetched at run time.
 */
export function opencodeConfigFor(url: string, options: OpencodeConfigOptions = {}): Record<string, unknown> {
  const providerId = options.providerId ?? 'scripted';
  const modelId = options.modelId ?? 'demo';
  const base = url.replace(/\/+$/, '');
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      [providerId]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Scripted model (offline demo)',
        options: { baseURL: base.endsWith('/v1') ? base : `${base}/v1`, apiKey: 'scripted-model-no-key' },
        models: {
          [modelId]: {
            name: 'Scripted demo model (offline)',
            tool_call: true,
            limit: { context: 128000, output: 4096 },
            cost: { input: 0, output: 0 },
          },
        },
      },
    },
    model: `${providerId}/${modelId}`,
    small_model: `${providerId}/${modelId}`,
    permission: options.permission ?? 'allow',
    autoupdate: false,
    share: 'disabled',
  };
}
