import { z } from 'zod';
import { ChartValuesSchema, RunnerProfileSchema } from './_schema.js';

const TITLE = 'agentic-sdlc-agent-runner values';

/**
 * JSON Schema (draft-07, for any Helm 3 version) of the chart values — the content of the chart's
 * `values.schema.json`. Generated from `ChartValuesSchema` in input mode, so keys with defaults are
 * optional, exactly like a user's values file.
 */
export function chartValuesJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ChartValuesSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  });
  return { ...schema, title: TITLE };
}

/** JSON Schema (draft-07) of the runner profile as stored in the ConfigMap. */
export function runnerProfileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RunnerProfileSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
}

/** Serialize a schema the way it is committed (stable, 2-space indent, trailing newline). */
export function serializeJsonSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
