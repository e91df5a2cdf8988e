import { inspect } from 'node:util';

export type ColorMode = 'auto' | 'always' | 'never';

/**
 * Whether to colour a stream: `--color always|never` wins; else NO_COLOR (any value) disables,
 * FORCE_COLOR (not "0") enables, and otherwise only a TTY that is not TERM=dumb gets colour.
 */
export function shouldColor(
  mode: ColorMode = 'auto',
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

type Style = keyof typeof inspect.colors;

/** A painter that styles text only when colour is on. */
export function painter(enabled: boolean): (style: Style, text: string) => string {
  return (style, text) => {
    if (!enabled) return text;
    const codes = inspect.colors[style];
    return codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
  };
}
