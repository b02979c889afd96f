export { SEALED_KEY, SecretBox, isSealed, redactSchemaDefaults, redactSecrets, type Sealed, type SealOptions } from './secret-box.js';
