export { AccessTokens, type AccessClaims } from './access-tokens.js';
export { API_TOKEN_KINDS, ApiTokenHasher, apiTokenKind, type ApiTokenKind, type IssuedToken } from './api-tokens.js';
export { hashPassword, verifyNobody, verifyPassword } from './passwords.js';
