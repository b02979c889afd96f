import http from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

export interface HttpRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

/*
 * node:http rather than global fetch: fetch lazily loads undici (~35 ms on the first call) and
 * costs ~6 ms per request against ~2 ms here, and `attune run` makes several round trips.
 * Keep-alive agents unref idle sockets, so they never hold the process open.
 */
const httpAgent = new http.Agent({ keepAlive: true });
let httpsAgent: HttpsAgent | undefined;

/** One request; rejects only when no response arrived (refused, reset, DNS). */
export async function sendHttpRequest(request: HttpRequest): Promise<HttpResponse> {
  const send = request.url.protocol === 'https:' ? await loadHttps() : sendWith(http.request, httpAgent);
  return send(request);
}

type RequestFunction = (url: URL, options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void) => http.ClientRequest;

function sendWith(requestFn: RequestFunction, agent: http.Agent): (request: HttpRequest) => Promise<HttpResponse> {
  return (request) =>
    new Promise((resolve, reject) => {
      const req = requestFn(request.url, { method: request.method, headers: request.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(request.body);
    });
}

/** TLS is loaded only for https URLs: most CLI calls go to a local http API. */
async function loadHttps(): Promise<(request: HttpRequest) => Promise<HttpResponse>> {
  const https = await import('node:https');
  httpsAgent ??= new https.Agent({ keepAlive: true });
  return sendWith(https.request, httpsAgent);
}
