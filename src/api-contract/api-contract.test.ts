import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..');

/** What a module loads when it is loaded: `import type` is erased, and `import()` waits until called. */
function loadedSpecifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)';/gm)].map((match) => match[1] ?? '');
}

/** Every file and package a module loads at start, following relative imports. */
function loadedGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of loadedSpecifiers(file)) {
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

describe('the API contract', () => {
  it('imports nothing but TypeBox, the domain and its own files, so a client loads no server code with it', () => {
    const dir = path.join(SRC, 'api-contract');
    const imports = readdirSync(dir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .flatMap((name) => loadedSpecifiers(path.join(dir, name)).map((specifier) => `${name}: ${specifier}`));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((line) => !/: (@sinclair\/typebox|\.\.\/domain\/index\.js|\.\/[a-z-]+\.js)$/.test(line))).toEqual([]);
  });

  it('is how the CLI knows the API: the attune command loads neither the API nor Fastify', () => {
    const { files, packages } = loadedGraph(path.join(SRC, 'cli', 'bin.ts'));
    expect(files.size).toBeGreaterThan(10);
    expect([...files].map((file) => path.relative(SRC, file)).filter((file) => file.startsWith(`api${path.sep}`) || file === 'main.ts')).toEqual([]);
    expect([...packages].filter((name) => name === 'fastify' || name.startsWith('@fastify/'))).toEqual([]);
  });
});
