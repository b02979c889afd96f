import http from 'node:http';

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A minimal JSON client over one keep-alive agent, so the benchmark measures Attune and not TCP
 * handshakes. Every request has a deadline: a hung server fails the benchmark instead of stalling it.
 */
export class HttpClient {
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  #token: string | undefined;

  constructor(options: { maxSockets: number; timeoutMs?: number }) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Sends `Authorization: Bearer <token>` from now on (the local CLI token of the Attune under test). */
  authorize(token: string): void {
    this.#token = token;
  }

  request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const auth = this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` };
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.#agent,
          headers: payload === undefined ? auth : { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text === '' ? null : (JSON.parse(text) as unknown) });
            } catch {
              reject(new Error(`${method} ${url}: HTTP ${res.statusCode ?? '?'} with a body that is not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The `data` envelope every API answer uses; throws with the answer shown when it is not there. */
export function dataOf(response: JsonResponse): Record<string, unknown> {
  const body = response.body;
  if (typeof body === 'object' && body !== null && 'data' in body) {
    const data = (body as { data: unknown }).data;
    if (typeof data === 'object' && data !== null) return data as Record<string, unknown>;
  }
  throw new Error(`unexpected API answer (HTTP ${response.status}): ${JSON.stringify(body).slice(0, 300)}`);
}
