import type { ErrorJson, ListPage, StreamMessageJson } from '../api-contract/index.js';
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

  async patch<T>(route: string, body: unknown): Promise<T> {
    return (await this.#request<{ data: T }>('PATCH', route, body)).data;
  }

  /** Resolves to the data, or undefined for 204 No Content. */
  async delete<T>(route: string, query?: Query): Promise<T | undefined> {
    const envelope = await this.#request<{ data?: T } | undefined>('DELETE', withQuery(route, query));
    return envelope?.data;
  }

  /** A route of `/auth` (login, refresh, me, logout, password): the data, or undefined for 204. */
  async auth<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const envelope = await this.#request<{ data: T } | undefined>(method, route, method === 'GET' ? undefined : (body ?? {}), '/auth');
    return envelope?.data as T;
  }

  async #request<T>(method: string, route: string, body?: unknown, prefix = API_PREFIX): Promise<T> {
    const url = new URL(`${this.baseUrl}${prefix}${route}`);
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

export function normaliseBaseUrl(raw: string): string {
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

