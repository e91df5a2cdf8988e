import { resolve } from 'node:path';
import { painter, shouldColor } from '../color.js';
import type { InitArgs } from '../commands/init.command.js';
import { CliError, EXIT } from '../errors.js';
import { applyPlan, type InitPlan, loadTemplates, planInstall, planRemove } from './opencode-init.js';

function render(plan: InitPlan, dryRun: boolean, paint: ReturnType<typeof painter>): string {
  const lines: string[] = [];
  const width = Math.max(6, ...plan.changes.map((c) => c.action.length));
  for (const c of plan.changes) {
    if (c.action === 'rmdir') continue;
    lines.push(
      `${paint('green', c.action.padEnd(width))}  ${c.path}${c.detail ? paint('dim', `  (${c.detail})`) : ''}`,
    );
  }
  for (const s of plan.skipped)
    lines.push(`${paint('yellow', 'skip'.padEnd(width))}  ${s.path}  ${paint('dim', s.reason)}`);
  const real = plan.changes.filter((c) => c.action !== 'rmdir');
  if (real.length === 0)
    lines.push(
      plan.mode === 'install'
        ? `Nothing to change: asdlc's OpenCode integration is already installed in ${plan.dir} (${plan.unchanged.length} file(s) up to date).`
        : `Nothing to remove in ${plan.dir}.`,
    );
  else if (dryRun) lines.push(paint('dim', 'Dry run: nothing was written.'));
  else if (plan.mode === 'install')
    lines.push(
      'Done. In OpenCode: /asdlc.dispatch, the async-dispatcher agent, and asdlc_* tools; /speckit.implement now dispatches [ASYNC] tasks.',
    );
  else lines.push('Removed.');
  return lines.join('\n');
}

export async function runInit(args: InitArgs): Promise<void> {
  const dir = resolve(args.dir ?? '.');
  let plan: InitPlan;
  try {
    plan = args.remove ? planRemove(dir) : planInstall(dir, loadTemplates());
  } catch (error) {
    throw new CliError(`init opencode in ${dir}: ${(error as Error).message}`, 'E_INIT', EXIT.usage, {
      cause: error,
    });
  }
  if (!args.dryRun) applyPlan(plan);
  const json = args.json ?? !process.stdout.isTTY;
  if (json) {
    const changes = plan.changes.filter((c) => c.action !== 'rmdir');
    process.stdout.write(
      `${JSON.stringify({
        dir,
        mode: plan.mode,
        dryRun: Boolean(args.dryRun),
        changed: changes.length > 0 && !args.dryRun,
        changes,
        skipped: plan.skipped,
        unchanged: plan.unchanged,
      })}\n`,
    );
    return;
  }
  process.stdout.write(
    `${render(plan, Boolean(args.dryRun), painter(shouldColor(args.color, process.stdout)))}\n`,
  );
}
