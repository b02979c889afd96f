import { findJsonProblem } from '../../domain/index.js';
import type { BuiltinAction, BuiltinContext, BuiltinResult } from './builtin-registry.js';

interface HttpRequestParams {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly timeoutMs: number | undefined;
}

/** `data` recorded for `core.http_request`, as in StackStorm's core.http. */
export interface HttpRequestData {
  readonly status_code: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly json: unknown;
  readonly elapsed_ms: number;
  /** The body was longer than `worker.max_output_bytes`: `body` holds its first bytes and `json` is null. */
  readonly truncated: boolean;
}

/**
 * `core.http_request`. The run is failed when the status code is 400 or above: the call itself
 * completed (so `data` holds the full response), but a rule chaining on success should not
 * proceed after a client or server error. StackStorm's core.http makes the same choice.
 * `verify_ssl` is not supported; certificates are always verified.
 * The body is streamed and read only up to the worker's output cap: a huge or endless response
 * costs at most that much memory, and the connection is dropped at the cap.
 */
export const httpRequest: BuiltinAction = async (params, ctx) => {
  const request = readParams(params);
  const signal = request.timeoutMs === undefined ? ctx.signal : AbortSignal.any([ctx.signal, AbortSignal.timeout(request.timeoutMs)]);
  const started = performance.now();
  let response: Response;
  let body: CappedBody;
  try {
    response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal });
    body = await readCappedBody(response, ctx.maxOutputBytes);
  } catch (err) {
    throw describeFetchError(err, request, ctx);
  }
  const data: HttpRequestData = {
    status_code: response.status,
    headers: Object.fromEntries(response.headers),
    body: body.text,
    // A cut body is not JSON; `body` still shows what arrived.
    json: body.isTruncated ? null : parseJsonBody(response, body.text),
    elapsed_ms: Math.round(performance.now() - started),
    truncated: body.isTruncated,
  };
  const result: BuiltinResult = { data, ...(body.isTruncated ? { isTruncated: true } : {}) };
  return response.status >= 400 ? { ...result, isFailure: true, error: `HTTP ${response.status} ${response.statusText}`.trim() } : result;
};

interface CappedBody {
  readonly text: string;
  readonly isTruncated: boolean;
}

/**
 * Reads the body as UTF-8 text, at most `maxBytes` of it. At the cap the stream is cancelled,
 * which closes the connection, so nothing more is downloaded. A multi-byte character split by
 * the cap is dropped whole (the decoder is not flushed).
 */
async function readCappedBody(response: Response, maxBytes: number): Promise<CappedBody> {
  if (response.body === null) return { text: '', isTruncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), isTruncated: false };
    const room = maxBytes - kept;
    if (value.byteLength > room) {
      text += decoder.decode(value.subarray(0, room), { stream: true });
      // The body is abandoned on purpose; a failure to cancel only means the peer closed first.
      await reader.cancel().catch(() => undefined);
      return { text, isTruncated: true };
    }
    text += decoder.decode(value, { stream: true });
    kept += value.byteLength;
  }
}

function describeFetchError(err: unknown, request: HttpRequestParams, ctx: BuiltinContext): Error {
  // The execution's own timeout/cancel is reported by the runner; only the request's
  // `timeout` parameter is described here.
  if (!ctx.signal.aborted && err instanceof Error && err.name === 'TimeoutError') {
    return new Error(`request to ${request.url} timed out after ${(request.timeoutMs ?? 0) / 1000} s`);
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`request to ${request.url} failed: ${message}${cause}`);
}

function parseJsonBody(response: Response, body: string): unknown {
  const type = response.headers.get('content-type') ?? '';
  if (!/\bjson\b/i.test(type) || body.trim() === '') return null;
  try {
    const json = JSON.parse(body) as unknown;
    // Beyond the JSON limits the result could not be stored faithfully; `body` keeps the text.
    return findJsonProblem(json) ? null : json;
  } catch {
    // The server claimed JSON but sent something else; `body` still holds the raw text.
    return null;
  }
}

function readParams(params: Readonly<Record<string, unknown>>): HttpRequestParams {
  const { url, method = 'GET', headers = {}, body, json_body: jsonBody, timeout } = params;
  if (typeof url !== 'string' || url === '') throw new Error('parameter url must be a non-empty string');
  if (typeof method !== 'string') throw new Error('parameter method must be a string');
  const headerMap = readHeaders(headers);
  if (body !== undefined && typeof body !== 'string') throw new Error('parameter body must be a string');
  if (body !== undefined && jsonBody !== undefined) throw new Error('parameters body and json_body cannot both be given');
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) throw new Error('parameter timeout must be a positive number');
  let payload = body;
  if (jsonBody !== undefined) {
    payload = JSON.stringify(jsonBody);
    if (!Object.keys(headerMap).some((name) => name.toLowerCase() === 'content-type')) headerMap['content-type'] = 'application/json';
  }
  return { url, method: method.toUpperCase(), headers: headerMap, body: payload, timeoutMs: timeout === undefined ? undefined : timeout * 1000 };
}

function readHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new Error('parameter headers must be an object');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
