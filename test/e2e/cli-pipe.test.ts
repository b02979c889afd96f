import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from './harness.js';

describe('attune writing into a pipe its reader closed', () => {
  it('stops quietly, as `attune … --help | head -1` needs', async () => {
    const child = spawn(process.execPath, [BIN, 'up', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader is gone before attune writes, as when head has already read its lines.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
