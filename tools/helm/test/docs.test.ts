import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, type Node, parseDocument } from 'yaml';
// @ts-expect-error -- plain ESM script without types
import { documentedKeys, renderTable } from '../scripts/values-table.mjs';
import { CHART_DIR } from '../src/paths.js';

const valuesText = readFileSync(resolve(CHART_DIR, 'values.yaml'), 'utf8');

/** Leaf key paths of a YAML mapping (maps with children recurse; lists and scalars are leaves). */
function leafPaths(node: Node | null, prefix: string[] = []): string[] {
  if (!isMap(node)) return [prefix.join('.')];
  if (node.items.length === 0) return [prefix.join('.')];
  return node.items.flatMap((p) =>
    isPair(p) && isScalar(p.key) ? leafPaths(p.value as Node, [...prefix, String(p.key.value)]) : [],
  );
}

describe('chart documentation', () => {
  it('every key of values.yaml is documented with `# --` (itself or its parent block)', () => {
    const documented = new Set((documentedKeys(valuesText) as { path: string }[]).map((k) => k.path));
    const doc = parseDocument(valuesText);
    const undocumented = leafPaths(doc.contents as Node).filter((leaf) => {
      const parts = leaf.split('.');
      return !parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
    });
    expect(undocumented).toEqual([]);
    expect(isSeq(doc.get('x'))).toBe(false);
  });

  it('the README values table is generated from values.yaml (node tools/helm/scripts/values-table.mjs)', () => {
    const readme = readFileSync(resolve(CHART_DIR, 'README.md'), 'utf8');
    expect(readme).toContain(renderTable(valuesText) as string);
  });
});
