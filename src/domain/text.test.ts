import { describe, expect, it } from 'vitest';
import { escapeControlCharacters } from './text.js';

describe('escapeControlCharacters', () => {
  it('escapes C0, DEL and C1 controls so no escape sequence survives, and keeps tabs and other text', () => {
    const raw = 'a\u001b[31mred\u001b]0;title\u0007 \r\b\u007f\u009b2J\u0000\tü→😀\\u001b';
    expect(escapeControlCharacters(raw)).toBe('a\\u001b[31mred\\u001b]0;title\\u0007 \\u000d\\u0008\\u007f\\u009b2J\\u0000\tü→😀\\u001b');
    expect([...escapeControlCharacters(raw)].filter((c) => c !== '\t' && (c < ' ' || (c >= '\u007f' && c <= '\u009f')))).toEqual([]);
  });
});
