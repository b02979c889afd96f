import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry credentials under names that say nothing of it. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * Any header whose name holds one of these words is taken for a credential: `x-api-key`,
 * `x-auth-token`, `x-hub-signature-256`, `x-amz-security-token`, `x-vault-secret`, … Erring this
 * way costs a rule a header it might have read; the other way stores a credential in clear.
 */
export const CREDENTIAL_WORDS = /auth|token|secret|passw|signature|api-?key|access-?key|private-?key|credential|session|cookie/;

export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_WORDS.test(lower);
}

/** A webhook request's headers as its events keep them: credentials are never stored (docs/rules.md). */
export function storableHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !isCredentialHeader(name)) out[name] = value;
  }
  return out;
}
