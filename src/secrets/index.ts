export { SEALED_KEY, SecretBox, isSealed, redactSchemaDefaults, redactSecrets, type Sealed, type SealOptions } from './secret-box.js';
export { KeyService, isKeyAdmin, type KeyActor, type KeyServiceOptions, type KeyView } from './key-service.js';
