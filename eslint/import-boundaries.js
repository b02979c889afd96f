// @ts-check
import path from 'node:path';

/**
 * Folders of src/ are capabilities (STYLE §2): code in one folder imports another folder only
 * through that folder's index.ts, never a file inside it. The few exceptions are light entry points
 * kept apart on purpose, each with the reason, so that a client that needs one function does not
 * load the whole folder.
 */
const LIGHT_ENTRIES = new Map([
  // The CLI resolves its data dir and API URL at every command: the full config loader (TypeBox,
  // yaml) would add ~0.4 s to each.
  ['config/cli-environment.js', 'the CLI reads its environment without loading the config schema'],
]);

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: "Import another src/ folder only through its index.ts (STYLE §2)." },
    schema: [],
    messages: {
      deep: "'{{source}}' reaches inside src/{{folder}}/: import '{{index}}' instead (other folders use only a folder's index.ts).",
    },
  },
  create(context) {
    const file = context.filename;
    const src = srcRootOf(file);
    if (src === undefined) return {};
    const importer = folderOf(path.relative(src, file));
    /** @param {import('estree').Node & { source?: any }} node */
    const check = (node) => {
      const source = node.source && typeof node.source.value === 'string' ? node.source.value : undefined;
      if (source === undefined || !source.startsWith('.')) return;
      const target = path.relative(src, path.resolve(path.dirname(file), source));
      if (target.startsWith('..')) return; // outside src/ (test support): not a capability
      const folder = folderOf(target);
      if (folder === undefined || folder === importer) return;
      const inside = target.split(path.sep).slice(1).join('/');
      if (inside === 'index.js' || LIGHT_ENTRIES.has(`${folder}/${inside}`)) return;
      const index = path.relative(path.dirname(file), path.join(src, folder, 'index.js')).split(path.sep).join('/');
      context.report({ node: node.source, messageId: 'deep', data: { source, folder, index: index.startsWith('.') ? index : `./${index}` } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

/** The src/ directory a file lies in, if any. */
function srcRootOf(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('src');
  return at < 0 ? undefined : parts.slice(0, at + 1).join(path.sep);
}

/** The capability folder of a path relative to src/ (undefined for src/main.ts and other top-level files). */
function folderOf(relative) {
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

export const importBoundaries = { rules: { 'import-boundaries': rule } };
