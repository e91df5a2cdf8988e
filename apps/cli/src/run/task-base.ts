import { prerequisites, type Task, type TaskGraph } from '@agentic-sdlc/tasks-parser';
import { combineCommits } from '@agentic-sdlc/worktree-manager';

export interface TaskBase {
  /** The commit the task's branch starts from. */
  sha: string;
  /** Ids of the tasks of this run whose commits the base includes (empty: the run's base). */
  builtOn: string[];
}

/**
 * A task that depends on tasks finished earlier in this run starts from their work: from the one
 * prerequisite's commit, or a merge of several (made without touching any working tree). Its branch
 * then stacks on theirs. Prerequisites done before the run are already in the run's base.
 * Conflicting prerequisites throw `MergeConflictError`.
 */
export async function baseForTask(input: {
  repo: string;
  graph: TaskGraph;
  task: Task;
  runBase: string;
  /** Task key → commit of the tasks that succeeded in this run. */
  succeeded: ReadonlyMap<string, string>;
}): Promise<TaskBase> {
  const byKey = new Map(input.graph.tasks.map((t) => [t.key, t]));
  const keys = prerequisites(input.graph, input.task.key).filter((k) => input.succeeded.has(k));
  if (keys.length === 0) return { sha: input.runBase, builtOn: [] };
  const commits = keys.map((k) => input.succeeded.get(k)!);
  const sha = await combineCommits({
    repo: input.repo,
    commits,
    message: `asdlc: base of ${input.task.id} (${keys.map((k) => byKey.get(k)?.id ?? k).join(', ')})`,
  });
  return { sha, builtOn: keys.map((k) => byKey.get(k)?.id ?? k) };
}
