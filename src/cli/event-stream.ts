import http from 'node:http';
import type { StreamMessageJson } from '../api-contract/index.js';
import { AppError } from '../domain/index.js';

/** Turns an error answer into the error the CLI reports (api-client's toApiError). */
export type ErrorReader = (status: number, text: string, url: string) => Error;

export interface EventStream {
  /** Resolves when the server closes the stream (or close() was called). */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Opens `GET /api/v1/stream` and calls `onMessage` for each change. Resolves once the server
 * said `: connected`, so a change made after that is never missed; an error answer (401, 403,
 * 400) rejects with its error code.
 */
export async function openEventStream(baseUrl: string, token: string | undefined, query: string, onMessage: (message: StreamMessageJson) => void, toApiError: ErrorReader): Promise<EventStream> {
  const url = new URL(`${baseUrl}/api/v1/stream${query}`);
  const request = url.protocol === 'https:' ? (await import('node:https')).request : http.request;
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      if ((res.statusCode ?? 0) !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => reject(toApiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), url.toString())));
        return;
      }
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (block.startsWith(': connected')) resolve({ ended, close: () => req.destroy() });
          for (const line of block.split('\n')) if (line.startsWith('data: ')) onMessage(JSON.parse(line.slice(6)) as StreamMessageJson);
        }
      });
    });
    req.on('error', (cause) => reject(new AppError('ERR_API_UNREACHABLE', `cannot reach the Attune API at ${baseUrl} — is "attune up" running?`, { cause })));
    req.end();
  });
}
