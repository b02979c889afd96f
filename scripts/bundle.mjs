// Bundles the `attune` command (src/cli/bin.ts) into dist/cli/bin.js plus chunks beside it, after
// `tsc` has built dist/: start-up of `attune up` was dominated by resolving and loading some 600
// module files one by one (docs/benchmarks.md). The server code stays a chunk of its own, loaded
// only by `attune up` and the other service commands, as before. The spawner helper, a program
// of its own, is bundled in place (dist/worker/spawner/spawner-main.js, one file, from its source):
// loaded as some 30 module files it held ~51 MB of RSS and ~44 MB as one (a bare Node is ~43).
// Every other file of dist/ is left as tsc wrote it: the timer sensor's entry point is started as a
// program of its own and must exist as a file.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');

/**
 * Two rewrites of our own sources, nothing else:
 * - a package loaded on first use (`createRequire(import.meta.url)('ajv')`, to keep it out of
 *   processes that never use it) becomes a plain `require('ajv')`, which esbuild bundles as a
 *   module still evaluated on first call: one copy of Ajv, shared with Fastify, and still lazy;
 * - modules that locate files relative to themselves keep finding them where tsc put them: in
 *   each source file, `import.meta.url` becomes the URL its own dist/ file would have.
 */
const keepModuleSemantics = {
  name: 'keep-module-semantics',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      text = text.replaceAll('createRequire(import.meta.url)(', 'require(');
      if (text.includes('import.meta.url')) {
        const built = path.join(root, 'dist', path.relative(path.join(root, 'src'), args.path)).replace(/\.ts$/, '.js');
        const relative = path.relative(outdir, built).split(path.sep).join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

/** What the last bundle wrote, so a new one removes chunks whose names (hashes) changed. */
const manifest = path.join(outdir, 'bundle-files.json');
const previous = await readFile(manifest, 'utf8').then((text) => JSON.parse(text), () => []);
await Promise.all(previous.map((file) => rm(path.join(root, file), { force: true })));

const result = await build({
  entryPoints: { bin: path.join(root, 'src', 'cli', 'bin.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Native addons, and packages that read their own files from disk (swagger-ui's static assets,
  // pino's transport workers), load from node_modules as installed.
  external: ['better-sqlite3', 'argon2', '@fastify/swagger-ui', 'pino', 'pino-pretty'],
  // Bundled CommonJS packages call require(); ESM has none, so each output file makes one.
  banner: { js: "import { createRequire as __attuneCreateRequire } from 'node:module';\nconst require = __attuneCreateRequire(import.meta.url);" },
  metafile: true,
  plugins: [keepModuleSemantics],
});
await writeFile(manifest, `${JSON.stringify(Object.keys(result.metafile.outputs), null, 1)}\n`);

// The helper from its TypeScript source, as test/support/build-spawner.ts does for the tests: it
// locates no file relative to itself, so it needs none of the rewrites above.
await build({
  entryPoints: [path.join(root, 'src', 'worker', 'spawner', 'spawner-main.ts')],
  outfile: path.join(root, 'dist', 'worker', 'spawner', 'spawner-main.js'),
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
