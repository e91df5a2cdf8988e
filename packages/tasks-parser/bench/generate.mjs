// Generator of large, realistic tasks.md files (used by the benchmark and the tests).
const PER_PHASE = 100;

/** A realistic upstream/fork-style file: setup, foundational, story phases, polish; sub-headings,
 * checkpoints, markers in several orders, sub-bullets with dependencies, a code fence per phase. */
export function generate(total) {
  const out = ['# Tasks: Benchmark feature', '', '**Input**: Design documents from `/specs/001-bench/`', ''];
  const phases = Math.ceil(total / PER_PHASE);
  let n = 0;
  for (let p = 1; p <= phases; p++) {
    const title =
      p === 1
        ? 'Setup (Shared Infrastructure)'
        : p === 2
          ? 'Foundational (Blocking Prerequisites)'
          : p === phases
            ? 'Polish & Cross-Cutting Concerns'
            : `User Story ${p - 2} - Feature ${p - 2} (Priority: P${1 + (p % 3)})${p === 3 ? ' 🎯 MVP' : ''}`;
    out.push(`## Phase ${p}: ${title}`, '', '**Purpose**: generated', '', '### Implementation', '');
    for (let i = 0; i < PER_PHASE && n < total; i++) {
      n++;
      const id = `T${String(n).padStart(5, '0')}`;
      const state = n % 7 === 0 ? 'X' : ' ';
      const par = n % 3 === 0 ? ' [P]' : '';
      const mode = n % 2 === 0 ? ' [ASYNC]' : ' [SYNC]';
      const story = p > 2 && p < phases ? ` [US${p - 2}]` : '';
      const dep = n % 10 === 5 && n > 1 ? ` (depends on T${String(n - 1).padStart(5, '0')})` : '';
      out.push(
        `- [${state}] ${id}${par}${mode}${story} Implement component ${n} in \`src/module${p}/file${n}.ts\`${dep}`,
      );
      if (n % 25 === 0)
        out.push(`  - Dependency: T${String(n - 2).padStart(5, '0')}`, '  - Notes: keep it small');
    }
    out.push(
      '',
      '```bash',
      `# Launch together:`,
      `Task: "T${String(n).padStart(5, '0')} example"`,
      '```',
      '',
    );
    out.push(`**Checkpoint**: phase ${p} complete`, '', '---', '');
  }
  return out.join('\n');
}
