import { describe, expect, it } from 'vitest';
import { formatDuration, formatTimestamp, renderDocument, renderKeyValues, renderTable } from './output.js';

interface Row {
  readonly ref: string;
  readonly description: string;
}

const COLUMNS = [
  { header: 'ref', value: (row: Row) => row.ref },
  { header: 'description', value: (row: Row) => row.description, maxWidth: 10 },
];

describe('renderTable', () => {
  it('aligns columns under an upper-case header without trailing spaces', () => {
    const text = renderTable<Row>(
      [
        { ref: 'core.echo', description: 'echo' },
        { ref: 'x', description: '' },
      ],
      COLUMNS,
    );
    expect(text.split('\n')).toEqual(['REF        DESCRIPTION', 'core.echo  echo', 'x']);
  });

  it('cuts long cells with an ellipsis and flattens newlines', () => {
    const text = renderTable<Row>([{ ref: 'a', description: 'line one\nline two' }], COLUMNS);
    expect(text.split('\n')[1]).toBe('a    line one…');
  });

  it('says (none) for no rows', () => {
    expect(renderTable<Row>([], COLUMNS)).toBe('(none)');
  });
});

describe('renderKeyValues', () => {
  it('aligns scalar values and shows nested objects and multi-line text as YAML', async () => {
    const text = await renderKeyValues({
      id: 7,
      status: 'completed',
      rule_ref: null,
      parameters: { message: 'hi' },
      tags: [],
      stdout: 'a\nb\n',
    });
    expect(text).toBe(
      ['id:       7', 'status:   completed', 'rule_ref: -', 'parameters:', '  message: hi', 'tags:     []', 'stdout: |', '  a', '  b'].join(
        '\n',
      ),
    );
  });

  it('leaves no trailing space after an empty value', async () => {
    expect(await renderKeyValues({ ref: 'core', author: '' })).toBe('ref:    core\nauthor:');
  });
});

describe('renderDocument', () => {
  const value = { ref: 'core', config: { a: 1 } };

  it('prints JSON with two-space indentation', async () => {
    expect(await renderDocument(value, 'json')).toBe(JSON.stringify(value, null, 2));
  });

  it('prints YAML', async () => {
    expect(await renderDocument(value, 'yaml')).toBe('ref: core\nconfig:\n  a: 1');
  });

  it('prints key/value lines in table mode', async () => {
    expect(await renderDocument(value, 'table')).toBe('ref: core\nconfig:\n  a: 1');
  });
});

describe('formatting helpers', () => {
  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(undefined)).toBe('-');
  });

  it('formats timestamps in UTC without milliseconds', () => {
    expect(formatTimestamp('2024-05-01T10:20:30.123Z')).toBe('2024-05-01 10:20:30');
    expect(formatTimestamp(null)).toBe('-');
    expect(formatTimestamp('soon')).toBe('soon');
  });
});
