import { describe, expect, it } from 'vitest';
import { OutputCapture } from './output-capture.js';
import { encodeParameters } from './parameter-encoding.js';

describe('OutputCapture', () => {
  it('keeps everything under the cap', () => {
    const capture = new OutputCapture(10);
    capture.push(Buffer.from('hello'));
    capture.push(Buffer.from('world'));
    expect(capture.text()).toBe('helloworld');
    expect(capture.isTruncated).toBe(false);
  });

  it('never splits a multibyte character at the cap', () => {
    const capture = new OutputCapture(4);
    capture.push(Buffer.from('abcé!')); // é is two bytes: bytes 3 and 4
    capture.push(Buffer.from('more'));
    expect(capture.text()).toBe('abc\n[attune: output truncated, 7 bytes dropped]');
  });

  it('decodes a character split across chunks', () => {
    const capture = new OutputCapture(100);
    const bytes = Buffer.from('ü');
    capture.push(bytes.subarray(0, 1));
    capture.push(bytes.subarray(1));
    expect(capture.text()).toBe('ü');
  });
});

describe('encodeParameters', () => {
  it('writes dotenv lines with escaped backslash, newline and carriage return', () => {
    const text = encodeParameters('dotenv', { s: 'a\\b\nc\rd', n: 3, o: { k: [true] }, u: undefined });
    expect(text).toBe('s=a\\\\b\\nc\\rd\nn=3\no={"k":[true]}\n');
  });

  it('writes yaml', () => {
    expect(encodeParameters('yaml', { a: 1 })).toBe('a: 1\n');
  });
});
