/** The task-line grammar: checkbox, id, markers, dependency clauses and file paths. Pure string functions. */
import type { TaskMode, TaskState } from './types.js';

/** Task ids: T001, T-001, T012a, T1.1, TDD-001, TDD-R01. */
export const ID_SOURCE = String.raw`(?:TDD-R?|T-?)\d+(?:\.\d+)*[A-Za-z]?`;
const ID_AT_START = new RegExp(String.raw`^\[?(${ID_SOURCE})\]?(?=$|[\s*:.,;)\]])`);
const ID_ANYWHERE = new RegExp(
  String.raw`(?<![\w-])(${ID_SOURCE})(?:\s*(?:[-–—]|\.\.|\bto\b|→)\s*(${ID_SOURCE}))?(?![\w])`,
  'g',
);

/** `- [x] rest`, `1. [ ] rest`: indentation, bullet, spacing, state character, rest. */
const CHECKBOX_RE = /^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)\[([^\]\n\r])\](?=[ \t]|$)[ \t]*(.*)$/;
const BULLET_RE = /^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)(.*)$/;

export const MAX_RANGE = 500;

export interface CheckboxLine {
  /** 0-based index of the state character. */
  stateIndex: number;
  stateChar: string;
  /** 0-based index where the text after the checkbox starts. */
  restIndex: number;
  rest: string;
}

export function matchCheckbox(line: string): CheckboxLine | null {
  const m = CHECKBOX_RE.exec(line);
  if (m === null) return null;
  const stateIndex = m[1]!.length + m[2]!.length + m[3]!.length + 1;
  const rest = m[5]!;
  return { stateIndex, stateChar: m[4]!, restIndex: line.length - rest.length, rest };
}

export function matchBullet(line: string): { ordered: boolean; restIndex: number; rest: string } | null {
  const m = BULLET_RE.exec(line);
  if (m === null) return null;
  const rest = m[4]!;
  return { ordered: /\d/.test(m[2]!), restIndex: line.length - rest.length, rest };
}

export function stateOf(ch: string): TaskState | null {
  switch (ch) {
    case ' ':
      return 'open';
    case 'x':
    case 'X':
      return 'done';
    case '~':
      return 'partial';
    case '-':
      return 'skipped';
    default:
      return null;
  }
}

export interface Head {
  id: string;
  /** 0-based index of the id within the text given to parseHead. */
  idIndex: number;
  /** Bracket tokens found before the description (before and after the id, inside or outside bold). */
  markers: string[];
  markerBeforeId: boolean;
  /** Whether the id was bold (`**T001**`) or followed by a colon (`T001:`). */
  emphasised: boolean;
  description: string;
}

const MARKER_RE = /^[ \t]*\[([^[\]\n]{1,60})\](?!\()/;

function takeMarkers(s: string, into: string[]): string {
  let rest = s;
  for (let m = MARKER_RE.exec(rest); m !== null; m = MARKER_RE.exec(rest)) {
    into.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return rest;
}

/** Parse `[**]ID[markers][**][:] markers description` (markers may also precede the id). */
export function parseHead(text: string): Head | null {
  const markers: string[] = [];
  const afterLead = takeMarkers(text, markers);
  const markerBeforeId = markers.length > 0;
  const s = afterLead.replace(/^[ \t]+/, '');
  const offset = text.length - s.length;
  let emphasised = false;
  let id: string;
  let idIndex: number;
  let after: string;
  const delim = s.startsWith('**') ? '**' : s.startsWith('__') ? '__' : null;
  if (delim !== null) {
    const close = s.indexOf(delim, 2);
    if (close < 0) return null;
    const inner = s.slice(2, close);
    const m = ID_AT_START.exec(inner);
    if (m === null) return null;
    id = m[1]!;
    idIndex = offset + 2 + inner.indexOf(id);
    emphasised = true;
    let innerRest = inner.slice(m[0].length).replace(/^\s*:/, '');
    innerRest = takeMarkers(innerRest, markers).trim();
    after = s.slice(close + 2);
    if (innerRest !== '') after = `${innerRest} ${after.replace(/^\s*:/, '')}`;
  } else {
    const m = ID_AT_START.exec(s);
    if (m === null) return null;
    id = m[1]!;
    idIndex = offset + s.indexOf(id);
    after = s.slice(m[0].length);
  }
  if (/^\s*:/.test(after)) {
    emphasised = true;
    after = after.replace(/^\s*:/, '');
  }
  after = takeMarkers(after, markers);
  if (/^\s*[:：]/.test(after)) after = after.replace(/^\s*[:：]/, '');
  after = after.replace(/^\s*[-–—]\s+/, '');
  return { id, idIndex, markers, markerBeforeId, emphasised, description: after.trim() };
}

export interface Markers {
  parallel: boolean;
  sync: boolean;
  async: boolean;
  stories: number[];
  tags: string[];
  unknown: string[];
}

const STORY_LIST =
  /^(?:US|User\s*Story|Story)[\s-]*\d+[a-z]?(?:\s*[,;/&+]\s*(?:US|User\s*Story|Story)?[\s-]*\d+[a-z]?)*$/i;
const REQUIREMENT_TAG = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+[a-z]?$/i;
const KNOWN_TAG = /^(?:RISK|MVP|OPTIONAL|P\d+|BLOCKING|CRITICAL)$/i;

export function classifyMarkers(tokens: readonly string[]): Markers {
  const out: Markers = { parallel: false, sync: false, async: false, stories: [], tags: [], unknown: [] };
  for (const raw of tokens) {
    const t = raw.trim();
    if (/^p$/i.test(t)) out.parallel = true;
    else if (/^sync$/i.test(t)) out.sync = true;
    else if (/^async$/i.test(t)) out.async = true;
    else if (STORY_LIST.test(t)) {
      for (const m of t.matchAll(/(?:US|Story)?[\s-]*(\d+)/gi)) {
        const n = Number(m[1]);
        if (!out.stories.includes(n)) out.stories.push(n);
      }
    } else {
      out.tags.push(t);
      if (!REQUIREMENT_TAG.test(t) && !KNOWN_TAG.test(t)) out.unknown.push(t);
    }
  }
  return out;
}

export function modeOf(m: Markers): TaskMode {
  if (m.sync) return 'sync';
  if (m.async) return 'async';
  return 'unmarked';
}

const KNOWN_MARKER =
  /^(?:P|SYNC|ASYNC|(?:US|Story)[\s-]*\d+[a-z]?(?:\s*[,;/&+]\s*(?:US|Story)?[\s-]*\d+[a-z]?)*|[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+[a-z]?|RISK)$/i;
const TRAILING_MARKER = /[ \t]*\[([^[\]\n]{1,60})\][ \t]*$/;
const INLINE_MARKER = /(^|[ \t])\[(P|SYNC|ASYNC|US-?\d+[a-z]?)\](?=$|[ \t.,;:])/gi;

export interface DependencyList {
  ids: string[];
  none: boolean;
  allPrior: boolean;
  /** Ranges longer than MAX_RANGE, kept as their two ends. */
  oversized: string[];
}

const NONE_RE = /^(?:none|n\/?a|nothing|no(?:ne)?\s+(?:dependenc(?:y|ies)|prerequisites?)|[-–—]+|∅)$/i;
const ALL_PRIOR_RE = /\ball\s+(?:prior|previous|preceding|earlier|above)\b/i;

function splitId(id: string): { prefix: string; num: string; suffix: string } | null {
  const m = /^(.*?)(\d+)([A-Za-z]?)$/.exec(id);
  if (m === null) return null;
  return { prefix: m[1]!, num: m[2]!, suffix: m[3]! };
}

/** Parse "T012, T013", "T006–T008", "none", "—", "all prior tasks". */
export function parseDependencyList(text: string): DependencyList {
  const t = text
    .trim()
    .replace(/^[*_]+|[*_]+$/g, '')
    .replace(/[.;]+$/, '')
    .trim();
  const out: DependencyList = {
    ids: [],
    none: NONE_RE.test(t),
    allPrior: ALL_PRIOR_RE.test(t),
    oversized: [],
  };
  const push = (id: string): void => {
    if (!out.ids.includes(id)) out.ids.push(id);
  };
  for (const m of t.matchAll(ID_ANYWHERE)) {
    const a = m[1]!;
    const b = m[2];
    if (b === undefined) {
      push(a);
      continue;
    }
    const sa = splitId(a);
    const sb = splitId(b);
    if (sa === null || sb === null || sa.prefix !== sb.prefix || sa.suffix !== '' || sb.suffix !== '') {
      push(a);
      push(b);
      continue;
    }
    const from = Number(sa.num);
    const to = Number(sb.num);
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    if (hi - lo + 1 > MAX_RANGE) {
      out.oversized.push(`${a}–${b}`);
      push(a);
      push(b);
      continue;
    }
    const width = sa.num.length;
    for (let n = from; from <= to ? n <= to : n >= to; n += from <= to ? 1 : -1) {
      push(`${sa.prefix}${String(n).padStart(width, '0')}`);
    }
  }
  return out;
}

function isDependencyClause(d: DependencyList): boolean {
  return d.ids.length > 0 || d.none || d.allPrior;
}

const DEP_WORDS = String.raw`(?:depends\s+on|depends|dependency|dependencies|deps|requires|blocked\s+by|after)`;
const PAREN_DEP_RE = new RegExp(
  String.raw`\(\s*[*_]{0,2}${DEP_WORDS}[*_]{0,2}\s*:?\s*[*_]{0,2}\s*([^()]*)\)`,
  'gi',
);
const TRAILING_DEP_RE =
  /(?:^|[\s.;,—–-])[*_]{0,2}(?:depends\s+on|depends|dependency|dependencies|deps)[*_]{0,2}\s*:[*_]{0,2}\s*(.+)$/i;
const BODY_DEP_RE =
  /^(?:[-*+]\s+|\d+[.)]\s+)?[*_]{0,2}(?:depends\s+on|depends|dependency|dependencies|deps|blocked\s+by|requires|prerequisites?)[*_]{0,2}\s*:[*_]{0,2}\s*(.*)$/i;
const BODY_FILE_RE =
  /^(?:[-*+]\s+|\d+[.)]\s+)?[*_]{0,2}(?:new\s+|target\s+|modif(?:y|ied)\s+|output\s+|test\s+|source\s+)?(?:files?|paths?)[*_]{0,2}\s*:[*_]{0,2}\s*(.*)$/i;

export interface Description {
  title: string;
  markers: string[];
  deps: DependencyList[];
  struck: boolean;
}

/** Split a description into its title, trailing/inline markers and dependency clauses. */
export function parseDescription(description: string): Description {
  const deps: DependencyList[] = [];
  const markers: string[] = [];
  let s = description.replace(PAREN_DEP_RE, (whole, inner: string) => {
    const d = parseDependencyList(inner);
    if (!isDependencyClause(d)) return whole;
    deps.push(d);
    return ' ';
  });
  const trailing = TRAILING_DEP_RE.exec(s);
  if (trailing !== null) {
    const d = parseDependencyList(trailing[1]!);
    if (isDependencyClause(d)) {
      deps.push(d);
      s = s.slice(0, trailing.index + (/^[\s.;,—–-]/.test(trailing[0]) ? 1 : 0));
    }
  }
  // Trailing markers: `Models in src/models/ [P]`.
  for (;;) {
    const m = TRAILING_MARKER.exec(s);
    if (m === null || !KNOWN_MARKER.test(m[1]!.trim())) break;
    markers.unshift(m[1]!);
    s = s.slice(0, m.index);
  }
  // Inline `[P]`/`[SYNC]`/`[ASYNC]`/`[USn]` outside code spans.
  s = mapOutsideCode(s, (chunk) =>
    chunk.replace(INLINE_MARKER, (_w, lead: string, tok: string) => {
      markers.push(tok);
      return lead;
    }),
  );
  s = s.replace(/[ \t]{2,}/g, ' ').trim();
  s = s.replace(/[\s,;]+$/, '').trim();
  let struck = false;
  const strike = /^~~(.+?)~~(.*)$/.exec(s);
  if (strike !== null) {
    const rest = strike[2]!.trim();
    if (rest === '' || /^[—–\-:(]/.test(rest)) {
      struck = true;
      s = `${strike[1]!}${strike[2]!}`.replace(/~~/g, '').trim();
    }
  }
  return { title: s, markers, deps, struck };
}

function mapOutsideCode(s: string, fn: (chunk: string) => string): string {
  if (!s.includes('`')) return fn(s);
  const parts = s.split(/(`+[^`]*`+)/);
  return parts.map((p, i) => (i % 2 === 1 ? p : fn(p))).join('');
}

export function bodyDependency(line: string): DependencyList | null {
  const m = BODY_DEP_RE.exec(line);
  if (m === null) return null;
  const d = parseDependencyList(m[1]!);
  return isDependencyClause(d) ? d : null;
}

export function bodyFileLine(line: string): string | null {
  const m = BODY_FILE_RE.exec(line);
  return m === null ? null : m[1]!;
}

const KNOWN_EXT = new Set(
  (
    'ts tsx mts cts js jsx mjs cjs py pyi rb go rs java kt kts swift c h cc cpp hpp cs fs php md mdx rst txt json jsonc ' +
    'json5 yaml yml toml ini cfg conf env lock sql sh bash zsh fish ps1 bat cmd html htm css scss sass less vue svelte ' +
    'astro xml svg proto graphql gql tf tfvars hcl gradle properties csv tsv ipynb lua dart scala ex exs erl zig nix ' +
    'prisma sol dockerfile tpl j2 jinja mk cmake pem snap'
  ).split(' '),
);
const SPECIAL_FILES = new Set([
  'Dockerfile',
  'Makefile',
  'Containerfile',
  'Procfile',
  'Gemfile',
  'Rakefile',
  'Justfile',
]);
const FRAMEWORK =
  /^(?:node|next|nuxt|vue|react|express|three|d3|chart|ember|backbone|angular|nest|deno|bun|socket|solid|alpine)\.js$/i;
const PATH_CHARS = /^[\w.\-/*{}@~+]+$/;

function pathCandidate(token: string, backticked: boolean): string | null {
  let t = token.trim();
  t = t.replace(/^[('"*_]+/, '').replace(/[)'"*_.,;:!?]+$/, '');
  t = t.replace(/:\d+(?:-\d+)?$/, '');
  if (t === '' || t.length > 240 || t.includes('://') || t.startsWith('-')) return null;
  if (!PATH_CHARS.test(t)) return null;
  if (!/[A-Za-z]/.test(t)) return null;
  const base = t.slice(t.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  if (ext !== '' && KNOWN_EXT.has(ext)) {
    if (!t.includes('/') && FRAMEWORK.test(base)) return null;
    if (t.startsWith('@') && !t.includes('/')) return null;
    return t;
  }
  if (t.startsWith('/') || t.startsWith('@')) return null;
  if (t.includes('/') && /\/\**$/.test(t) && t.length > 1) return t;
  if (SPECIAL_FILES.has(base) && (t.includes('/') || backticked)) return t;
  if (/^\.[a-z][\w.-]*$/.test(base) && base.length > 2) return t;
  return null;
}

/** Paths named in a piece of text: backticked or bare, with a known extension, a trailing slash or a dotfile. */
export function extractPaths(text: string): string[] {
  const out: string[] = [];
  const add = (p: string | null): void => {
    if (p !== null && !out.includes(p)) out.push(p);
  };
  const bare = text.replace(/`([^`\n]+)`/g, (_w, inner: string) => {
    if (!/\s/.test(inner.trim())) add(pathCandidate(inner, true));
    return ' ';
  });
  if (!/[./]/.test(bare)) return out;
  for (const tok of bare.split(/[\s()[\]<>,;"'|]+/)) {
    if (tok.length > 1 && (tok.includes('.') || tok.includes('/'))) add(pathCandidate(tok, false));
  }
  return out;
}

/** Split a table row into [start, end) ranges of its trimmed cells (pipes inside code spans or escaped stay). */
export function splitRow(line: string): Array<[number, number]> {
  const cells: Array<[number, number]> = [];
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  if (line[i] === '|') i++;
  let start = i;
  let inCode = false;
  for (; i <= line.length; i++) {
    const ch = line[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '`') inCode = !inCode;
    if (i === line.length || (ch === '|' && !inCode)) {
      let a = start;
      let b = i;
      while (a < b && /\s/.test(line[a]!)) a++;
      while (b > a && /\s/.test(line[b - 1]!)) b--;
      if (!(i === line.length && a === b && line.slice(start).trim() === '')) cells.push([a, b]);
      start = i + 1;
    }
  }
  return cells;
}
