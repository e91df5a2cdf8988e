import { SecretsConfigError } from './_errors.js';
import type { CredentialFinding } from './types.js';

/** Value shapes of well-known credentials. Reasons never echo the matched value. */
const VALUE_SHAPES: readonly { re: RegExp; reason: string }[] = [
  { re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, reason: 'PEM private key' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{30,}/, reason: 'GitHub token (ghp_/gho_/ghu_/ghs_/ghr_)' },
  { re: /\bgithub_pat_[A-Za-z0-9_]{20,}/, reason: 'GitHub fine-grained token (github_pat_)' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/, reason: 'GitLab token (glpat-)' },
  { re: /\bsk-[A-Za-z0-9][A-Za-z0-9_-]{19,}/, reason: 'API secret key (sk-…)' },
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, reason: 'AWS access key id (AKIA…/ASIA…)' },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, reason: 'Slack token (xox…)' },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/, reason: 'Google API key (AIza…)' },
  { re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, reason: 'JSON Web Token' },
  // `scheme://user:password@host`; a `{env:NAME}` password is a reference, not a value.
  { re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@{}]+:(?!\{env:)[^\s/@]+@/i, reason: 'URL with an embedded password' },
];

/**
 * An OpenCode-style environment reference, `{env:NAME}`, optionally after an HTTP auth scheme
 * (`Bearer {env:NAME}`): the value is read from the named env var at run time, so it is not a literal.
 */
const ENV_REFERENCE = /^\s*(?:(?:Bearer|Basic|Token)\s+)?\{env:([A-Za-z_][A-Za-z0-9_]*)\}\s*$/;

/** The env var name of a `{env:NAME}` reference (see `ENV_REFERENCE`), or undefined for anything else. */
export function envReferenceName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return ENV_REFERENCE.exec(value)?.[1];
}

/** Key names that suggest their value is a credential. */
const SENSITIVE_KEY =
  /password|passwd|passphrase|^pwd$|^pass$|secret|token|api[-_]?key|private[-_]?key|credential|access[-_]?key|client[-_]?secret|authorization/i;
/** Key names that hold a *reference* (a name, path, selector…), not a value, even if they mention a secret. */
const REFERENCE_KEY =
  /(?:name|names|ref|refs|env|path|kind|mode|property|version|interval|store|template|namespace|policy|selector|audiences?|url|server|id|arn|key[-_]?key|type|enabled|create)$/i;

function isReferenceKey(key: string, parent: Record<string, unknown>): boolean {
  if (REFERENCE_KEY.test(key)) return true;
  // ExternalSecret `data[].secretKey` names a key of the target Secret.
  if (key === 'secretKey' && typeof parent.remoteRef === 'object') return true;
  return false;
}

/** Empty strings and stringified booleans carry no credential. */
function isTrivial(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'true' || v === 'false';
}

/** True when `key` (of `parent`) names a credential value rather than a reference to one. */
function isCredentialKey(key: string | undefined, parent: unknown): boolean {
  return (
    key !== undefined &&
    SENSITIVE_KEY.test(key) &&
    !isReferenceKey(key, (parent ?? {}) as Record<string, unknown>)
  );
}

function describeValue(value: string): string | undefined {
  for (const { re, reason } of VALUE_SHAPES) if (re.test(value)) return reason;
  return undefined;
}

/**
 * Depth-first walk of a JSON-like value. `visit` sees every node with its path, the key it sits under and that
 * key's object (array items inherit the array's key and parent); returning true skips the node's children.
 * Each object or array is entered once.
 */
function walkJson(
  root: unknown,
  basePath: string,
  visit: (value: unknown, path: string, key: string | undefined, parent: unknown) => boolean | undefined,
): void {
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: string, key: string | undefined, parent: unknown): void => {
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return;
      seen.add(value);
    }
    if (visit(value, path, key, parent) === true) return;
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(item, path === '' ? String(i) : `${path}.${i}`, key, parent);
      });
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      walk(v, path === '' ? k : `${path}.${k}`, k, value);
    }
  };
  walk(root, basePath, undefined, undefined);
}

/**
 * Walk any JSON-like value (values, profile, rendered manifests) and report everything that looks like a
 * literal credential: a known credential shape anywhere, or a literal string/number under a key whose
 * name says password/token/secret/api key/private key. Findings name the path and reason, never the value.
 */
export function findLiteralCredentials(obj: unknown, basePath = ''): CredentialFinding[] {
  const findings: CredentialFinding[] = [];
  walkJson(obj, basePath, (value, path, key, parent) => {
    if (envReferenceName(value) !== undefined) return true;
    if (typeof value === 'string') {
      const shape = describeValue(value);
      if (shape) {
        findings.push({ path, reason: `value looks like a ${shape}` });
        return true;
      }
    }
    if ((typeof value === 'string' && !isTrivial(value)) || typeof value === 'number') {
      if (isCredentialKey(key, parent)) {
        findings.push({ path, reason: `literal value under credential-like key "${key}"` });
      }
      return true;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    // `{ name: API_TOKEN, value: "…" }` (container env and similar name/value lists).
    if (
      typeof record.name === 'string' &&
      SENSITIVE_KEY.test(record.name) &&
      !REFERENCE_KEY.test(record.name)
    ) {
      const v = record.value;
      if (
        (typeof v === 'string' && !isTrivial(v) && !describeValue(v) && envReferenceName(v) === undefined) ||
        typeof v === 'number'
      ) {
        findings.push({
          path: path === '' ? 'value' : `${path}.value`,
          reason: `literal value for credential-like name "${record.name}"`,
        });
      }
    }
    return false;
  });
  return findings;
}

/** A `{env:NAME}` reference found in a JSON-like value. */
export interface EnvReference {
  path: string;
  name: string;
  /** True when it stands for a credential (under a password/token/api key… key). */
  credential: boolean;
}

/** Every `{env:NAME}` reference (see `envReferenceName`) in a JSON-like value, in document order. */
export function findEnvReferences(obj: unknown, basePath = ''): EnvReference[] {
  const refs: EnvReference[] = [];
  walkJson(obj, basePath, (value, path, key, parent) => {
    const name = envReferenceName(value);
    if (name === undefined) return false;
    refs.push({ path, name, credential: isCredentialKey(key, parent) });
    return true;
  });
  return refs;
}

/**
 * Throw `E_LITERAL_CREDENTIAL` listing every finding when `obj` contains something credential-like.
 * `hint` may add a fix to a finding, by its path.
 */
export function assertNoLiteralCredentials(
  obj: unknown,
  what = 'input',
  hint?: (path: string) => string | undefined,
): void {
  const findings = findLiteralCredentials(obj);
  if (findings.length === 0) return;
  const issues = findings.map((f) => {
    const fix = hint?.(f.path);
    return `${f.path || '(root)'}: ${f.reason}${fix ? ` (fix: ${fix})` : ''}`;
  });
  throw new SecretsConfigError(
    'E_LITERAL_CREDENTIAL',
    `${what} contains ${findings.length} literal credential(s); expected only references to Secret keys (use an ExternalSecret): ${issues.join('; ')}`,
    { issues },
  );
}
