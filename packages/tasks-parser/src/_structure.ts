/** Walk the mdast of the skeleton and report the blocks the task grammar cares about, in document order. */
import type { List, ListItem, Paragraph, Root, RootContent, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { Skeleton } from './_source.js';

export interface HeadingBlock {
  kind: 'heading';
  line: number;
  depth: number;
}
export interface ItemBlock {
  kind: 'item';
  line: number;
  endLine: number;
  ordered: boolean;
  /** Nesting level: 0 for items of a top-level list. */
  level: number;
}
export interface ParagraphBlock {
  kind: 'paragraph';
  line: number;
  endLine: number;
  /** Line ranges of the lists that directly follow the paragraph (its sub-bullets). */
  lists: Array<[number, number]>;
}
export interface TableBlock {
  kind: 'table';
  /** Lines of the rows, header first (cells are split from the source line by the task grammar). */
  rows: number[];
}
export type Block = HeadingBlock | ItemBlock | ParagraphBlock | TableBlock;

const processor = unified().use(remarkParse).use(remarkGfm).freeze();

/** Parse markdown with remark-parse + remark-gfm. */
export function parseMarkdown(text: string): Root {
  return processor.parse(text);
}

export function blocksOf(skeleton: Skeleton): Block[] {
  const tree = parseMarkdown(skeleton.text);
  const out: Block[] = [];
  const { orig, folded, text } = skeleton;
  const line = (skelLine: number): number => (orig[skelLine - 1] ?? skelLine - 1) + 1;
  /** Where a block starting on this skeleton line starts in the original (a folded run starts earlier). */
  const startLine = (skelLine: number): number => {
    const l = line(skelLine);
    const units = folded.get(l - 1);
    return units === undefined ? l : units[0]![0] + 1;
  };
  /**
   * Last original line of a node. An unclosed fence ended by its container ends the node at column 1 of the next
   * line (nothing of it is covered) or just after that line's list marker (only the marker is): on a folded run's
   * line the marker is the run's first line.
   */
  const endLine = (pos: {
    start: { line: number };
    end: { line: number; column: number; offset?: number | undefined };
  }): number => {
    if (pos.end.line === pos.start.line) return line(pos.end.line);
    if (pos.end.column === 1) return line(pos.end.line - 1);
    const offset = pos.end.offset;
    const midLine = offset !== undefined && offset < text.length && text.charCodeAt(offset) !== 10;
    return midLine ? startLine(pos.end.line) : line(pos.end.line);
  };

  const visitList = (list: List, level: number): void => {
    for (const item of list.children as ListItem[]) {
      const pos = item.position;
      if (pos === undefined) continue;
      const start = line(pos.start.line);
      for (const [a, b] of folded.get(start - 1) ?? []) {
        out.push({ kind: 'item', line: a + 1, endLine: b + 1, ordered: list.ordered === true, level });
      }
      out.push({
        kind: 'item',
        line: start,
        endLine: endLine(pos),
        ordered: list.ordered === true,
        level,
      });
      for (const child of item.children) {
        if (child.type === 'list') visitList(child, level + 1);
      }
    }
  };

  const children = tree.children;
  for (let i = 0; i < children.length; i++) {
    const node = children[i] as RootContent;
    const pos = node.position;
    if (pos === undefined) continue;
    switch (node.type) {
      case 'heading':
        out.push({ kind: 'heading', line: line(pos.start.line), depth: node.depth });
        break;
      case 'list':
        visitList(node, 0);
        break;
      case 'paragraph': {
        const lists: Array<[number, number]> = [];
        for (let j = i + 1; j < children.length; j++) {
          const next = children[j] as RootContent;
          if (next.type !== 'list' || next.position === undefined) break;
          lists.push([startLine(next.position.start.line), endLine(next.position)]);
        }
        const p = node as Paragraph;
        out.push({
          kind: 'paragraph',
          line: line(pos.start.line),
          endLine: endLine(p.position!),
          lists,
        });
        break;
      }
      case 'table': {
        const rows: number[] = [];
        for (const row of (node as Table).children) {
          if (row.position !== undefined) rows.push(line(row.position.start.line));
        }
        out.push({ kind: 'table', rows });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
