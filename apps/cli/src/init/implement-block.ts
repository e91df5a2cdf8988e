/**
 * The delimited block `asdlc init opencode` adds to spec-kit's implement command, and how it goes in and out
 * byte for byte: the block is inserted right after the front matter as `EOL + block + EOL`, in the file's own
 * line-ending style, so cutting exactly that text restores the original bytes.
 */

export const BEGIN_MARK = '<!-- asdlc:begin';
export const END_MARK = '<!-- asdlc:end -->';

export type ImplementFlavour = 'speckit' | 'fork';

export interface Recognised {
  flavour: ImplementFlavour;
}

/** Names of spec-kit implement commands, per layout: upstream ≥0.0.57, upstream older, the agentic-sdlc fork. */
export const IMPLEMENT_COMMAND_FILES = [
  'speckit.implement.md',
  'implement.md',
  'spec.implement.md',
  'adlc.spec.implement.md',
];

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Length of the front matter (`---` … `---` and its line end), 0 when there is none. */
function frontMatterEnd(text: string): number {
  const m = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/.exec(text);
  return m ? m[0].length : 0;
}

/**
 * Is this spec-kit's implement command (upstream or the fork)? Only such files are edited: a front matter with
 * a description, and a body that drives tasks.md through spec-kit's scripts.
 */
export function recogniseImplement(name: string, text: string): Recognised | { reason: string } {
  const fm = frontMatterEnd(text);
  if (fm === 0 || !/^description:/m.test(text.slice(0, fm)))
    return { reason: 'no front matter with a description (not a spec-kit command file)' };
  const body = text.slice(fm);
  if (!/tasks\.md/.test(body))
    return { reason: 'does not mention tasks.md (not spec-kit’s implement command)' };
  const fork =
    /tasks-meta-utils|\[ASYNC\]|\bASYNC\b|delegation/.test(body) ||
    name.startsWith('spec.') ||
    name.startsWith('adlc.');
  if (!/check-prerequisites|tasks-meta-utils|implement\.sh/.test(body))
    return {
      reason: 'does not run spec-kit’s check-prerequisites script (not spec-kit’s implement command)',
    };
  return { flavour: fork ? 'fork' : 'speckit' };
}

/** The block as it appears in the file (without the surrounding line ends). */
export function renderBlock(snippet: string, eol = '\n'): string {
  const body = snippet.replace(/\r?\n/g, '\n').trim();
  const lines = [
    `${BEGIN_MARK} (added by \`asdlc init opencode\`; \`asdlc init opencode --remove\` takes it out) -->`,
    ...body.split('\n'),
    END_MARK,
  ];
  return lines.join(eol);
}

export interface BlockLocation {
  /** Start of the inserted text (the EOL before the begin marker). */
  start: number;
  /** End of the inserted text (after the EOL that follows the end marker). */
  end: number;
  block: string;
}

/** Where our block is, or null; throws on a damaged block (begin without end). */
export function findBlock(text: string): BlockLocation | null {
  const begin = text.indexOf(BEGIN_MARK);
  if (begin < 0) return null;
  const endMark = text.indexOf(END_MARK, begin);
  if (endMark < 0) throw new Error(`found "${BEGIN_MARK}" but no "${END_MARK}" after it`);
  const eol = eolOf(text);
  const blockEnd = endMark + END_MARK.length;
  const start = text.slice(begin - eol.length, begin) === eol ? begin - eol.length : begin;
  const end = text.slice(blockEnd, blockEnd + eol.length) === eol ? blockEnd + eol.length : blockEnd;
  return { start, end, block: text.slice(begin, blockEnd) };
}

/** The file with the block inserted after the front matter (or replaced, when present). */
export function withBlock(text: string, snippet: string): string {
  const eol = eolOf(text);
  const block = renderBlock(snippet, eol);
  const found = findBlock(text);
  if (found) {
    const begin = text.indexOf(BEGIN_MARK);
    return `${text.slice(0, begin)}${block}${text.slice(begin + found.block.length)}`;
  }
  const at = frontMatterEnd(text);
  return `${text.slice(0, at)}${eol}${block}${eol}${text.slice(at)}`;
}

/** The file without the block: exactly the bytes before `withBlock` when nothing else changed. */
export function withoutBlock(text: string): string {
  const found = findBlock(text);
  if (!found) return text;
  return text.slice(0, found.start) + text.slice(found.end);
}
