import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function collect(maxLineBytes: number): { splitter: LineSplitter; lines: string[]; overflows: [number, string][] } {
  const lines: string[] = [];
  const overflows: [number, string][] = [];
  const splitter = new LineSplitter(maxLineBytes, { onLine: (l) => lines.push(l), onOverflow: (b, h) => overflows.push([b, h]) });
  return { splitter, lines, overflows };
}

describe('LineSplitter', () => {
  it('joins lines split across chunks, including inside a multi-byte character', () => {
    const { splitter, lines } = collect(1024);
    const bytes = Buffer.from('ab\ncé€d\r\nlast');
    for (let i = 0; i < bytes.length; i += 1) splitter.push(bytes.subarray(i, i + 1));
    expect(lines).toEqual(['ab', 'cé€d']);
    splitter.end();
    expect(lines).toEqual(['ab', 'cé€d', 'last']);
  });

  it('drops an over-long line and resumes at the next newline', () => {
    const { splitter, lines, overflows } = collect(10);
    splitter.push(Buffer.from('0123456789abc'));
    splitter.push(Buffer.from('def\nok\n'));
    expect(overflows).toEqual([[16, '0123456789abc']]);
    expect(lines).toEqual(['ok']);
  });

  it('emits empty lines and nothing at end when the stream ended with a newline', () => {
    const { splitter, lines } = collect(10);
    splitter.push(Buffer.from('\n\nx\n'));
    splitter.end();
    expect(lines).toEqual(['', '', 'x']);
  });
});
