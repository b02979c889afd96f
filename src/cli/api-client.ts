import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorJson, ListPage, StreamMessageJson } from '../api-contract/index.js';
import { readCliEnvironment, resolveHome } from '../config/cli-environment.js';
// Deep imports on purpose: the domain index also loads ajv (~60 ms), and CLI startup is benchmarked.
import { AppError, isErrorCode } from '../domain/index.js';
import { type EventStream, openEventStream } from './event-stream.js';
import { type HttpResponse, sendHttpRequest } from './http-transport.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
const API_PREFIX = '/api/v1';

/** An API error whose code this CLI version does not know; it still reaches the user verbatim. */
export class UnknownApiError extends Error {
  readonly code: string;
  readonly details: unknown;
  readonly exitCode = 1;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'UnknownApiError';
    this.code = code;
    this.details = details;
  }
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export interface ApiClientOptions {
  /** Base URL without the /api/v1 prefix, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly token?: string;
}

/** A thin JSON client for the Attune REST API: unwraps `{data}` and turns error bodies into errors. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.#token = options.token;
  }

  /** Follows the live stream (`query`: `?types=…&id=…`); see openEventStream. */
  stream(query: string, onMessage: (message: StreamMessageJson) => void): Promise<EventStream> {
    return openEventStream(this.baseUrl, this.#token, query, onMessage, toApiError);
  }

  async get<T>(route: string, query?: Query): Promise<T> {
    return (await this.#request<{ data: T }>('GET', withQuery(route, query))).data;
  }

  /** A list route: the data array plus pagination when the API sends it. */
  async list<T>(route: string, query?: Query): Promise<ListPage<T>> {
    return this.#request<ListPage<T>>('GET', withQuery(route, query));
  }

  async post<T>(route: string, body?: unknown): Promise<T> {
    return (await this.#request<{ data: T }>('POST', route, body ?? {})).data;
  }

  async put<T>(route: string, body: unknown, query?: Query): Promise<T> {
    return (await this.#request<{ data: T }>('PUT', withQuery(route, query), body)).data;
  }

  /** Resolves to the data, or undefined for 204 No Content. */
  async delete<T>(route: string, query?: Query): Promise<T | undefined> {
    const envelope = await this.#request<{ data?: T } | undefined>('DELETE', withQuery(route, query));
    return envelope?.data;
  }

  async #request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.baseUrl}${API_PREFIX}${route}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let response: HttpResponse;
    try {
      response = await sendHttpRequest({ url, method, headers, body: payload });
    } catch (cause) {
      throw new AppError('ERR_API_UNREACHABLE', `cannot reach the Attune API at ${this.baseUrl} — is "attune up" running?`, {
        cause,
      });
    }
    if (response.status < 200 || response.status >= 300) throw toApiError(response.status, response.text, url.toString());
    if (response.text === '') return undefined as T;
    try {
      return JSON.parse(response.text) as T;
    } catch (cause) {
      throw new AppError('ERR_INTERNAL', `the API at ${this.baseUrl} sent a response that is not JSON`, { cause });
    }
  }
}

/** Maps an error response to AppError (known code), UnknownApiError (unknown code) or a status-based AppError. */
export function toApiError(status: number, text: string, url: string): AppError | UnknownApiError {
  const error = readErrorBody(text);
  if (error) {
    if (isErrorCode(error.code)) return new AppError(error.code, error.message, { details: error.details });
    return new UnknownApiError(error.code, error.message, error.details);
  }
  // No Attune error body: probably not an Attune server (or a proxy in between).
  const message = `${url} answered HTTP ${status} without an Attune error body`;
  if (status === 404) return new AppError('ERR_NOT_FOUND', message);
  if (status >= 400 && status < 500) return new AppError('ERR_VALIDATION', message);
  return new AppError('ERR_INTERNAL', message);
}

type ErrorBody = ErrorJson['error'];

function readErrorBody(text: string): ErrorBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller reports the HTTP status instead
  }
  if (!isRecord(parsed) || !isRecord(parsed.error)) return undefined;
  const { code, message, details } = parsed.error;
  if (typeof code !== 'string') return undefined;
  return { code, message: typeof message === 'string' ? message : code, details };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withQuery(route: string, query: Query | undefined): string {
  if (!query) return route;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${route}?${search}` : route;
}

function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('ERR_CLI_USAGE', `invalid API URL "${raw}": expected e.g. ${DEFAULT_API_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('ERR_CLI_USAGE', `invalid API URL "${raw}": only http and https are supported`);
  }
  return url.toString().replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

export interface ConnectionOptions {
  readonly apiUrl?: string;
  readonly token?: string;
  readonly home?: string;
}

export interface Connection {
  readonly baseUrl: string;
  readonly token?: string;
}

/**
 * Finds the API (DESIGN §7): --api-url, then ATTUNE_API_URL, then the `attune up` of the data
 * dir (<home>/api.json), then the default. The token: --token, then ATTUNE_API_TOKEN, then, for
 * the `attune up` of the data dir, the local CLI token it wrote at its first start.
 */
export async function resolveConnection(options: ConnectionOptions): Promise<Connection> {
  if (options.apiUrl && options.token) return { baseUrl: options.apiUrl, token: options.token };
  const env = readCliEnvironment();
  const token = options.token ?? (env.token || undefined);
  const explicit = options.apiUrl ?? (env.apiUrl || undefined);
  if (explicit) return { baseUrl: explicit, token };
  const home = resolveHome(options.home);
  const fromUp = await readUpUrl(home);
  return { baseUrl: fromUp ?? DEFAULT_API_URL, token: token ?? (await readCliToken(home)) };
}

/** The token `attune up` wrote for the CLI of its data dir (<home>/cli-token), if readable. */
export async function readCliToken(home: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(home, 'cli-token'), 'utf8')).trim() || undefined;
  } catch (cause) {
    if (isNodeError(cause) && (cause.code === 'ENOENT' || cause.code === 'EACCES')) return undefined;
    throw new AppError('ERR_CLI_USAGE', `cannot read ${path.join(home, 'cli-token')}`, { cause });
  }
}

/** The URL `attune up` recorded in <home>/api.json once it was ready, if any. */
export async function readUpUrl(home: string): Promise<string | undefined> {
  const file = path.join(home, 'api.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (isNodeError(cause) && cause.code === 'ENOENT') return undefined;
    throw new AppError('ERR_CLI_USAGE', `cannot read ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // half-written or corrupt: behave as if `attune up` had not written it yet
  }
  return isRecord(parsed) && typeof parsed.url === 'string' ? parsed.url : undefined;
}

function isNodeError(value: unknown): value is NodeJS.ErrnoException {
  return value instanceof Error && 'code' in value;
}
