// Validates the packs shipped with Attune once, at build time, and writes their definitions to
// dist/packs/prebuilt/ with the fingerprint of their files (src/packs/prebuilt-packs.ts says why).
// The core pack must stand alone; every other shipped pack is validated against it alone.
// Runs after tsc, on dist/: a pack that does not validate fails the build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadPack, writePrebuilt, PREBUILT_DIR } = await import(path.join(root, 'dist', 'packs', 'index.js'));

const coreDir = path.join(root, 'packs', 'core');
const nothing = { triggers: new Map(), actions: new Set(), permissionSets: new Set() };
const core = await loadPack(coreDir, { known: nothing });
const withCore = {
  triggers: new Map(core.triggers.map((t) => [t.ref, t.parameters])),
  actions: new Set(core.actions.map((a) => a.ref)),
  permissionSets: new Set(),
};
const examplesDir = path.join(root, 'packs', 'examples');
const examples = await loadPack(examplesDir, { known: withCore });
await writePrebuilt(PREBUILT_DIR, [
  { dir: coreDir, definition: core },
  { dir: examplesDir, definition: examples },
]);
