import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { isolatedGitEnv, repoDirName } from './_repos.js';

export const REALM = 'asdlc-git';
export const DEFAULT_USERNAME = 'x-access-token';
export const DEFAULT_LIFETIME_MS = 30 * 60_000;

export interface StartGitServerOptions {
  /** Directory holding the bare repositories (`GIT_PROJECT_ROOT`). */
  root: string;
  /** Bind address (default 127.0.0.1; never 0.0.0.0 unless asked). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** The password every request must carry (HTTP Basic auth). */
  token: string;
  /** The user name every request must carry (default `x-access-token`); `null` accepts any. */
  username?: string | null;
  /** Hard cap: the server stops itself after this long (default 30 minutes). */
  lifetimeMs?: number;
}

/** One request as the server saw it. Never holds the token or the Authorization header. */
export interface GitServerRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  status: number;
  /** The authenticated user name (only after successful authentication). */
  user?: string;
}

export interface GitServer {
  /** `http://host:port` */
  baseUrl: string;
  /** `http://host:port/<name>.git` (no credentials in it). */
  repoUrl(name: string): string;
  /** Stop listening, drop open connections, kill running `git http-backend`s. Idempotent. */
  stop(): Promise<void>;
  /** Every request, in arrival order of completion. */
  requests: GitServerRequest[];
  /** Resolves once the server has stopped (by `stop()` or the lifetime cap). */
  stopped: Promise<void>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time string equality (compares fixed-length digests). */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The Basic credentials of a request, or null. */
function basicCredentials(req: IncomingMessage): { user: string; password: string } | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface CgiHead {
  status: number;
  statusText: string;
  headers: [string, string][];
}

/** Parse CGI response headers (`Status:` and the rest); null when malformed. */
export function parseCgiHead(text: string): CgiHead | null {
  let status = 200;
  let statusText = 'OK';
  let explicitStatus = false;
  const headers: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return null;
    if (name.toLowerCase() === 'status') {
      const sm = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (!sm) return null;
      status = Number(sm[1]);
      statusText = sm[2]?.trim() || '';
      explicitStatus = true;
    } else {
      headers.push([name, value]);
    }
  }
  if (!explicitStatus && headers.some(([n]) => n.toLowerCase() === 'location')) {
    status = 302;
    statusText = 'Found';
  }
  return { status, statusText, headers };
}

/** Index just past the blank line ending the CGI headers, and where that blank line starts; or null. */
function headEnd(buf: Buffer): { head: number; body: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return null;
  if (lf >= 0 && (crlf < 0 || lf < crlf)) return { head: lf, body: lf + 2 };
  return { head: crlf, body: crlf + 4 };
}

const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Start a git smart-HTTP server: `git http-backend` behind HTTP Basic auth (password = `token`).
 * Push (receive-pack) is enabled for authenticated users. The token is never logged nor recorded.
 */
export async function startGitServer(options: StartGitServerOptions): Promise<GitServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (typeof token !== 'string' || token.length === 0) throw new Error('startGitServer: token is required');
  const username = options.username === undefined ? DEFAULT_USERNAME : options.username;
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_LIFETIME_MS;
  const requests: GitServerRequest[] = [];
  const children = new Set<ChildProcess>();
  const baseEnv = isolatedGitEnv();

  const record = (req: IncomingMessage, path: string, status: number, user?: string) => {
    const entry: GitServerRequest = { method: req.method ?? 'GET', path, status };
    if (user !== undefined) entry.user = user;
    requests.push(entry);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://git-server.invalid');
    } catch {
      res.writeHead(400).end();
      record(req, '(invalid)', 400);
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }

    const creds = basicCredentials(req);
    const ok =
      creds !== null &&
      // Both comparisons always run: no early exit on the user name.
      [safeEqual(creds.password, token), username === null || safeEqual(creds.user, username)].every(Boolean);
    if (!ok || !creds) {
      res.writeHead(401, {
        'WWW-Authenticate': `Basic realm="${REALM}"`,
        'Content-Type': 'text/plain',
      });
      res.end('authentication required\n');
      record(req, path, 401);
      return;
    }
    // Never record a user name that is the token itself (`https://<token>@host` style URLs).
    const user = creds.user && !safeEqual(creds.user, token) ? creds.user : undefined;

    if (path.split('/').some((s) => s === '..')) {
      res.writeHead(404).end();
      record(req, path, 404, user);
      return;
    }

    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      SERVER_SOFTWARE: 'asdlc-git-server',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: path,
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REMOTE_USER: creds.user || 'git',
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      AUTH_TYPE: 'Basic',
    };
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const contentType = header('content-type');
    if (contentType) env.CONTENT_TYPE = contentType;
    const contentLength = header('content-length');
    if (contentLength) env.CONTENT_LENGTH = contentLength;
    const encoding = header('content-encoding');
    if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
    const protocol = header('git-protocol');
    if (protocol) {
      env.GIT_PROTOCOL = protocol;
      env.HTTP_GIT_PROTOCOL = protocol;
    }

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let status = 0;
    let settled = false;
    const fail = (code: number) => {
      if (!res.headersSent)
        res.writeHead(code, { 'Content-Type': 'text/plain' }).end(`git http-backend failed\n`);
      else res.destroy();
      status ||= code;
    };
    const done = () => {
      if (settled) return;
      settled = true;
      record(req, path, status || 500, user);
    };

    child.on('error', () => fail(500));
    child.stderr.resume(); // http-backend's diagnostics: not kept (nothing secret in them, but unbounded)
    child.stdin.on('error', () => {}); // EPIPE when the backend answers before reading the whole body
    req.pipe(child.stdin);
    req.on('aborted', () => child.kill('SIGKILL'));
    res.on('close', () => {
      // The client went away mid-response: stop the backend. (After a complete response it exits by itself.)
      if (!res.writableFinished && child.exitCode === null && child.signalCode === null)
        child.kill('SIGKILL');
      done();
    });

    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = headEnd(head);
      if (!end) {
        if (head.length > MAX_HEAD_BYTES) {
          child.stdout.off('data', onData);
          child.kill('SIGKILL');
          fail(502);
        }
        return;
      }
      child.stdout.off('data', onData);
      child.stdout.pause();
      const parsed = parseCgiHead(head.subarray(0, end.head).toString('latin1'));
      if (!parsed) {
        child.kill('SIGKILL');
        fail(502);
        return;
      }
      status = parsed.status;
      res.statusCode = parsed.status;
      if (parsed.statusText) res.statusMessage = parsed.statusText;
      for (const [name, value] of parsed.headers) res.appendHeader(name, value);
      const rest = head.subarray(end.body);
      if (rest.length > 0) res.write(rest);
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
    child.on('close', (code) => {
      children.delete(child);
      if (status === 0) fail(code === 0 ? 502 : 500);
    });
  };

  const server = createServer(handle);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let stopping: Promise<void> | null = null;
  let markStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    markStopped = r;
  });
  const stop = (): Promise<void> => {
    if (stopping) return stopping;
    clearTimeout(lifetime);
    stopping = new Promise<void>((resolvePromise) => {
      for (const child of children) child.kill('SIGKILL');
      server.close(() => resolvePromise());
      server.closeAllConnections();
    }).then(markStopped);
    return stopping;
  };
  const lifetime = setTimeout(() => void stop(), lifetimeMs);
  lifetime.unref();

  return {
    baseUrl,
    repoUrl: (name) => `${baseUrl}/${repoDirName(name)}`,
    stop,
    requests,
    stopped,
  };
}
