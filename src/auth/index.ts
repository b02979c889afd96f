export { AccessTokens, type AccessClaims } from './access-tokens.js';
export { ApiTokenHasher, apiTokenKind, type IssuedToken } from './api-tokens.js';
export { hashPassword, verifyNobody, verifyPassword } from './passwords.js';
