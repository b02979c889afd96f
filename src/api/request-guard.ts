import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/index.js';

export interface RequestGuardOptions {
  /** `server.host`: the address the API listens on; a name or a specific address is allowed as a Host. */
  readonly listenHost: string;
  /** `server.allowed_hosts`: further names the API may be reached by; `*` allows any. */
  readonly allowedHosts: readonly string[];
  /** `server.cors_origins`: browser origins (`https://ops.example.com`) allowed to call the API. */
  readonly corsOrigins: readonly string[];
}

/** Methods that change nothing; every other method is state-changing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A Host header: a DNS name or IPv4 address, or an IPv6 address in brackets, then an optional port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/;
const WILDCARD_ADDRESSES = new Set(['', '0.0.0.0', '::', '[::]']);
const CORS_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
const CORS_HEADERS = 'content-type, authorization';

/**
 * Refuses requests a browser could be tricked into sending (DESIGN §8: the API listens on
 * loopback and has no authentication yet, so the browser is the way in):
 * - DNS rebinding: a page whose name resolves to 127.0.0.1 reaches the API as its own origin,
 *   but its requests still carry that name in `Host`. Only loopback names, the listen address
 *   and `server.allowed_hosts` are accepted, for every request.
 * - Cross-site requests: a page on any site can send a body-less POST (no preflight). Such a
 *   request carries an `Origin`; a state-changing request whose Origin is neither this API's
 *   own nor listed in `server.cors_origins` is refused. Requests without Origin (curl, the CLI,
 *   webhook senders) are not from a browser page and pass.
 * CORS headers are sent only to the listed origins; none are listed by default.
 */
export function installRequestGuard(app: FastifyInstance, options: RequestGuardOptions): void {
  const hosts = new Set([...options.allowedHosts.map(normalizeHostName), normalizeHostName(options.listenHost)]);
  const isAnyHost = hosts.has('*');
  const corsOrigins = new Set(options.corsOrigins.map(normalizeOrigin).filter((origin) => origin !== undefined));
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const host = request.headers.host;
    if (host !== undefined && !isAnyHost && !isAllowedHost(host, hosts)) {
      throw new AppError('ERR_HOST_NOT_ALLOWED', `the Host "${host.slice(0, 100)}" is not one this API answers to; add it to server.allowed_hosts`);
    }
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const normalized = normalizeOrigin(origin);
    const isListed = normalized !== undefined && corsOrigins.has(normalized);
    if (isListed) void reply.header('access-control-allow-origin', normalized).header('vary', 'Origin');
    if (isPreflight(request)) {
      if (!isListed) throw originRefused(origin);
      return reply
        .status(204)
        .header('access-control-allow-methods', CORS_METHODS)
        .header('access-control-allow-headers', CORS_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
    if (SAFE_METHODS.has(request.method) || isListed || isSameOrigin(normalized, host)) return;
    throw originRefused(origin);
  });
}

function originRefused(origin: string): AppError {
  return new AppError('ERR_ORIGIN_NOT_ALLOWED', `requests that change state are not accepted from the web origin "${origin.slice(0, 100)}"; list it in server.cors_origins to allow it`);
}

function isPreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
}

function isAllowedHost(header: string, allowed: ReadonlySet<string>): boolean {
  const match = HOST_HEADER.exec(header.toLowerCase());
  if (!match?.[1]) return false;
  const name = normalizeHostName(match[1]);
  return isLoopback(name) || allowed.has(name);
}

/** Lower case, without a trailing dot; IPv6 addresses in brackets, as they appear in a Host header. */
function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  if (WILDCARD_ADDRESSES.has(lower)) return '';
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** True when `host` (a listen address or host name) is this machine only: not reachable from others. */
export function isLoopbackHost(host: string): boolean {
  return isLoopback(normalizeHostName(host));
}

/** Names that always mean this machine; `*.localhost` resolves to loopback in browsers (RFC 6761). */
function isLoopback(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** `scheme://host[:port]` in canonical form (default port dropped), or undefined for `null` and garbage. */
function normalizeOrigin(origin: string): string | undefined {
  if (!/^https?:\/\//i.test(origin)) return undefined;
  try {
    const url = new URL(origin);
    return url.pathname === '/' && url.username === '' && url.search === '' ? url.origin : undefined;
  } catch {
    // Not a URL: treated as a foreign origin.
    return undefined;
  }
}

/**
 * The page was served by this API: its origin names the host and port the request was sent
 * to. The scheme is not compared, so a TLS-terminating proxy in front of the API still works.
 */
function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    // An unparsable Host cannot match.
    return false;
  }
}
