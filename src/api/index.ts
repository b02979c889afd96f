export { buildApi, type ApiOptions } from './app.js';
export type { ApiContext } from './context.js';
export { exposureWarning, readTlsFiles, type TlsFiles } from './exposure.js';
export { Readiness } from './readiness.js';
