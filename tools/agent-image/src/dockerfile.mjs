// A deliberately small Dockerfile reader for docker/agent/Dockerfile: instructions, stages, the shell-style
// word lexer Docker uses for ENV/LABEL/ARG, and $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x} substitution.
// Anything it does not understand is an error, so the interpreter in build.mjs cannot silently diverge.

/**
 * @typedef {{ cmd: string, args: string, line: number }} Instruction
 * @typedef {{ from: string, name: string | undefined, instructions: Instruction[] }} Stage
 */

/** Splits the file into instructions (continuations joined, comments and parser directives dropped). */
export function parseInstructions(text) {
  /** @type {Instruction[]} */
  const out = [];
  let buf = '';
  let start = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const trimmed = line.trim();
    // Comment lines are dropped, also in the middle of a continued instruction (as Docker does).
    if (trimmed.startsWith('#') || (buf === '' && trimmed === '')) continue;
    if (buf === '') start = i + 1;
    if (/\\\s*$/.test(line)) {
      buf += `${line.replace(/\\\s*$/, '')} `;
      continue;
    }
    const full = (buf + line).trim();
    buf = '';
    if (full === '') continue;
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(full);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse "${full}"`);
    out.push({ cmd: m[1].toUpperCase(), args: m[2].trim(), line: start });
  }
  if (buf !== '') throw new Error('Dockerfile ends inside a continued line');
  return out;
}

/** Groups instructions into the global ARGs (before the first FROM) and the stages. */
export function parseDockerfile(text) {
  const all = parseInstructions(text);
  /** @type {Instruction[]} */
  const globalArgs = [];
  /** @type {Stage[]} */
  const stages = [];
  for (const ins of all) {
    if (ins.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m || /^--/.test(ins.args))
        throw new Error(`Dockerfile line ${ins.line}: unsupported FROM "${ins.args}"`);
      stages.push({ from: m[1], name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.cmd !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.cmd} before the first FROM`);
      globalArgs.push(ins);
    } else {
      stages.at(-1).instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Expands $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} from `vars` (unknown variables expand to ''). */
export function substitute(text, vars) {
  return lex(text, vars, false).join(' ');
}

/**
 * Docker's shell-word lexer: whitespace separates words, '…' is literal, "…" expands variables, a backslash
 * escapes the next character. With `split` false the whole input is one word (used for WORKDIR/USER/FROM).
 */
export function lex(text, vars, split = true) {
  const words = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const expand = () => {
    // at text[i] === '$'
    const rest = text.slice(i + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}/.exec(rest);
    if (m) {
      i += 1 + m[0].length;
      const val = vars[m[1]];
      if (m[2] === '-') return val ? val : substitute(m[3], vars);
      if (m[2] === '+') return val ? substitute(m[3], vars) : '';
      return val ?? '';
    }
    m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (m) {
      i += 1 + m[0].length;
      return vars[m[0]] ?? '';
    }
    if (rest.startsWith('{')) throw new Error(`unsupported variable expression in "${text}"`);
    i += 1;
    return '$';
  };
  while (i < text.length) {
    const c = text[i];
    if (split && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in "${text}"`);
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && /["\\$]/.test(text[i + 1] ?? '')) {
          cur += text[i + 1];
          i += 2;
        } else if (text[i] === '$') cur += expand();
        else cur += text[i++];
      }
      if (i >= text.length) throw new Error(`unterminated " in "${text}"`);
      i++;
    } else if (c === '$') {
      cur += expand();
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** ENV/LABEL arguments: `k=v k2="v 2"` (or the legacy `ENV k v` form) as ordered pairs. */
export function keyValues(args, vars, legacyForm = false) {
  const words = lex(args, vars);
  if (words.length > 0 && !words[0].includes('=')) {
    if (!legacyForm || words.length < 2) throw new Error(`expected key=value pairs in "${args}"`);
    return [[words[0], lex(args.replace(/^\S+\s+/, ''), vars, false)[0] ?? '']];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got "${w}" in "${args}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** ENTRYPOINT/CMD: the JSON exec form as is; the shell form becomes ["/bin/sh", "-c", "…"] (as Docker does). */
export function execForm(args) {
  if (args.startsWith('[')) {
    const v = JSON.parse(args);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`bad exec form ${args}`);
    return v;
  }
  return ['/bin/sh', '-c', args];
}

/** Splits leading `--flag=value` options off COPY-like arguments. */
export function flags(args) {
  const out = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
    if (!m) break;
    out[m[1]] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  return { flags: out, rest };
}
