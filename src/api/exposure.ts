import { readFileSync } from 'node:fs';
import type { ServerConfig } from '../config/index.js';
import { AppError } from '../domain/index.js';
import { isLoopbackHost } from './request-guard.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** The certificate and key of `server.tls`, or undefined when the API serves plain HTTP. */
export function readTlsFiles(server: ServerConfig): TlsFiles | undefined {
  const { cert, key } = server.tls;
  if (cert === '' && key === '') return undefined;
  if (cert === '' || key === '') throw new AppError('ERR_CONFIG_INVALID', 'server.tls: set both cert and key (PEM files), or neither');
  const read = (file: string, name: string) => {
    try {
      return readFileSync(file);
    } catch (cause) {
      throw new AppError('ERR_CONFIG_INVALID', `server.tls.${name}: cannot read ${file}`, { cause });
    }
  };
  return { cert: read(cert, 'cert'), key: read(key, 'key') };
}

/**
 * What to tell the operator when the API is reachable from other machines in clear text:
 * passwords and tokens would cross the network readable by anyone on the path. Undefined when it
 * listens on loopback only, serves TLS, or `server.insecure_ok` says the exposure is deliberate.
 */
export function exposureWarning(server: ServerConfig): string | undefined {
  if (isLoopbackHost(server.host) || (server.tls.cert !== '' && server.tls.key !== '') || server.insecure_ok) return undefined;
  return (
    `the API listens on ${server.host}, reachable from other machines, without TLS: passwords and tokens cross the network in clear. ` +
    'Set server.tls.cert and server.tls.key, or server.insecure_ok: true if this is deliberate (a TLS proxy in front, a private network).'
  );
}
