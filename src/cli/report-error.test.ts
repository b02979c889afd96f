import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { describeError, formatDetails } from './report-error.js';

describe('describeError', () => {
  it('prints code: message and exits with the error exit code', () => {
    expect(describeError(new AppError('ERR_EXECUTION_UNSUCCESSFUL', 'execution 3 ended failed'))).toEqual({
      lines: ['ERR_EXECUTION_UNSUCCESSFUL: execution 3 ended failed'],
      exitCode: 1,
    });
  });

  it('leaves commander messages to commander and exits 0 for help', () => {
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ lines: [], exitCode: 0 });
    expect(describeError(new CommanderError(1, 'commander.unknownCommand', 'nope'))).toEqual({ lines: [], exitCode: 2 });
  });

  it('reports unexpected errors as ERR_INTERNAL with exit 1', () => {
    const report = describeError(new TypeError('boom'));
    expect(report.exitCode).toBe(1);
    expect(report.lines[0]).toMatch(/^ERR_INTERNAL: TypeError: boom/);
  });
});

describe('formatDetails', () => {
  it('formats located issues, parameter issues and plain strings', () => {
    expect(
      formatDetails([
        { file: 'actions/a.yaml', line: 2, field: 'runner_type', message: 'is unknown' },
        { parameter: 'count', message: 'must be integer' },
        'plain',
      ]),
    ).toEqual(['  actions/a.yaml:2 runner_type: is unknown', '  count: must be integer', '  plain']);
  });

  it('ignores details that are not a list', () => {
    expect(formatDetails({ some: 'thing' })).toEqual([]);
  });
});
