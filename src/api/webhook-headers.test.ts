import { describe, expect, it } from 'vitest';
import { isCredentialHeader, storableHeaders } from './webhook-headers.js';

describe('storableHeaders', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'x-api-key',
    'x-apikey',
    'x-auth-token',
    'x-csrf-token',
    'x-hub-signature-256',
    'x-slack-signature',
    'x-amz-security-token',
    'x-vault-secret',
    'x-user-password',
    'x-aws-access-key',
    'x-session-id',
  ])('drops %s', (name) => {
    expect(isCredentialHeader(name)).toBe(true);
  });

  it('keeps every other header as it came', () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'r', 'user-agent': 'curl', 'x-github-event': 'push', 'x-tag': ['a', 'b'], authorization: 'x' };
    expect(storableHeaders(headers)).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r', 'user-agent': 'curl', 'x-github-event': 'push', 'x-tag': ['a', 'b'] });
  });
});
