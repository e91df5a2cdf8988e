import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  chartValuesJsonSchema,
  parseChartValues,
  parseRunnerProfile,
  serializeJsonSchema,
} from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const chartDir = resolve(root, 'charts/agentic-sdlc-agent-runner');
const committed = readFileSync(resolve(chartDir, 'values.schema.json'), 'utf8');
const chartValues = parse(readFileSync(resolve(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const releaseValues = (env: string) =>
  (
    parse(
      readFileSync(resolve(root, `releases/agentic-sdlc-agent-runner-${env}/values.yaml`), 'utf8'),
    ) as Record<string, Record<string, unknown>>
  )['agentic-sdlc-agent-runner']!;

/** Helm's value coalescing: maps merge recursively, everything else (lists too) replaces. */
function helmMerge(base: unknown, over: unknown): unknown {
  if (over === null) return undefined;
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const merged = helmMerge(base[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return over;
}
const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const ajv = new Ajv({ strict: true, allErrors: true });
const validate = ajv.compile(JSON.parse(committed));

describe('values.schema.json', () => {
  it('is exactly what gen:schema generates from ChartValuesSchema (run `pnpm --filter @agentic-sdlc/secrets-config gen:schema`)', () => {
    expect(committed).toBe(serializeJsonSchema(chartValuesJsonSchema()));
  });

  it('is a draft-07 schema that rejects unknown top-level keys', () => {
    const s = JSON.parse(committed);
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(s.additionalProperties).toBe(false);
    expect(validate({ ...chartValues, typo: true })).toBe(false);
  });

  it('accepts the chart values.yaml (ajv) and the zod model agrees', () => {
    expect(validate(chartValues), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseChartValues(chartValues)).not.toThrow();
  });

  it.each(['dev', 'stg', 'prod'])('accepts releases/%s values merged over the chart defaults', (env) => {
    const merged = helmMerge(chartValues, releaseValues(env));
    expect(validate(merged), JSON.stringify(validate.errors)).toBe(true);
    const parsed = parseChartValues(merged);
    // The profile the chart renders from these values parses too (derived fields filled in).
    expect(() =>
      parseRunnerProfile({ ...parsed.profile, image: 'i:1', serviceAccountName: 'sa', secretName: 's' }),
    ).not.toThrow();
  });

  it('rejects what the zod model rejects (enum, pattern, type)', () => {
    const bad = (patch: Record<string, unknown>) => validate(helmMerge(chartValues, patch));
    expect(bad({ profile: { gitAuth: { mode: 'password' } } })).toBe(false);
    expect(bad({ profile: { taskTimeout: '2 hours' } })).toBe(false);
    expect(bad({ profile: { parallelism: '4' } })).toBe(false);
    expect(bad({ secretStore: { provider: 'onepassword' } })).toBe(false);
    expect(bad({ profile: { secrets: { modelApiKeys: [{ env: 'lower', key: 'k' }] } } })).toBe(false);
  });
});
