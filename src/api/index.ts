export { buildApi, type ApiOptions } from './app.js';
export type { ApiContext } from './context.js';
export { Readiness } from './readiness.js';
