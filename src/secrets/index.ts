export { SEALED_KEY, SecretBox, isSealed, type Sealed } from './secret-box.js';
