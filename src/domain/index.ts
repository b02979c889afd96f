export * from './entities.js';
export * from './errors.js';
export * from './flat-schema.js';
export * from './ids.js';
export * from './json-limits.js';
export * from './refs.js';
export * from './statuses.js';
export * from './text.js';
