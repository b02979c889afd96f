export { AccessTokens, type AccessClaims } from './access-tokens.js';
export { ApiTokenHasher, apiTokenKind, type IssuedToken } from './api-tokens.js';
export { AuditLog, type AuditRecord } from './audit-log.js';
export { ADMIN_LOGIN, AuthService, type FirstStart, type LoginResult, type NewApiTokenRequest, type Principal } from './auth-service.js';
export { LoginLimiter } from './login-limiter.js';
export { hashPassword, verifyNobody, verifyPassword } from './passwords.js';
export { DEFAULT_EXECUTION_SET, SENSOR_SET, SYSTEM_LOGIN, type SensorToken, ServiceTokens } from './service-tokens.js';
