import type { Phase, Task } from '@agentic-sdlc/tasks-parser';

export type CommitType = 'feat' | 'test' | 'docs' | 'chore';

/** `test` for test tasks, `docs` for documentation, `chore` for the setup phase, else `feat`. */
export function commitType(task: Pick<Task, 'title'>, phase?: Pick<Phase, 'kind'> | null): CommitType {
  const title = task.title.trim();
  if (/^(?:(?:add|write|create)\s+)?(?:(?:contract|integration|unit|e2e)\s+)?tests?\b/i.test(title))
    return 'test';
  if (/^(docs?|documentation|document)\b/i.test(title) || /\b(README|documentation)\b/.test(title))
    return 'docs';
  if (phase?.kind === 'setup') return 'chore';
  return 'feat';
}

const MAX_SUBJECT = 100;

/** `<type>(<task id>): <title>`; a long title is cut in the subject and kept whole in the body. */
export function commitMessage(task: Pick<Task, 'id' | 'title'>, phase?: Pick<Phase, 'kind'> | null): string {
  const title = task.title.replace(/\s+/g, ' ').trim();
  const prefix = `${commitType(task, phase)}(${task.id}): `;
  if (prefix.length + title.length <= MAX_SUBJECT) return `${prefix}${title}`;
  const cut = title.slice(0, MAX_SUBJECT - prefix.length - 1).replace(/\s+\S*$/, '');
  return `${prefix}${cut}…\n\n${title}`;
}
