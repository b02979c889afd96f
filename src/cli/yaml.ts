// The YAML functions the CLI uses, loaded on demand through this module (`await import('./yaml.js')`)
// rather than `await import('yaml')`: in the bundled `attune` command (scripts/bundle.mjs) a
// dynamic import of a CommonJS package yields only its default export, while a static import,
// as here, keeps the named ones.
export { isMap, isScalar, LineCounter, parse, parseDocument, stringify } from 'yaml';
