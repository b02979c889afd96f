import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes a pack directory: `files` maps paths inside it (`actions/x.sh`) to their text. */
export function writePack(dir: string, files: Readonly<Record<string, string>>): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
