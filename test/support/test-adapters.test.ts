import { describe, expect, it } from 'vitest';
import { chooseAdapters, type TestAdapter } from './test-adapters.js';

const open = () => Promise.resolve('instance');
const ADAPTERS = [
  { name: 'sqlite', needs: [], open },
  { name: 'postgres', needs: ['TEST_PG_URL'], open },
] as const satisfies readonly TestAdapter<string>[];

const verdicts = (env: Record<string, string>) =>
  chooseAdapters(ADAPTERS, env).map((choice) => (choice.verdict === 'run' ? [choice.adapter.name, 'run', choice.env] : [choice.adapter.name, choice.verdict, choice.reason]));

describe('chooseAdapters', () => {
  it('runs every adapter whose needs are met and lists the others as skipped, with the reason', () => {
    expect(verdicts({})).toEqual([
      ['sqlite', 'run', {}],
      ['postgres', 'skip', 'needs TEST_PG_URL'],
    ]);
    expect(verdicts({ TEST_PG_URL: 'postgres://x' })).toEqual([
      ['sqlite', 'run', {}],
      ['postgres', 'run', { TEST_PG_URL: 'postgres://x' }],
    ]);
  });

  it('fails an adapter that cannot run under CI=true instead of skipping it', () => {
    expect(verdicts({ CI: 'true' })[1]).toEqual(['postgres', 'fail', 'needs TEST_PG_URL (CI=true: every adapter must run)']);
  });

  it('runs only the adapters ATTUNE_TEST_ADAPTERS names, and fails a named one that cannot run', () => {
    expect(verdicts({ ATTUNE_TEST_ADAPTERS: 'postgres, in-process', TEST_PG_URL: 'postgres://x' })).toEqual([
      ['sqlite', 'skip', 'not in ATTUNE_TEST_ADAPTERS'],
      ['postgres', 'run', { TEST_PG_URL: 'postgres://x' }],
    ]);
    expect(verdicts({ ATTUNE_TEST_ADAPTERS: 'sqlite,postgres' })).toEqual([
      ['sqlite', 'run', {}],
      ['postgres', 'fail', 'needs TEST_PG_URL (named in ATTUNE_TEST_ADAPTERS)'],
    ]);
  });

  it('treats an empty filter or an empty variable as unset', () => {
    expect(verdicts({ ATTUNE_TEST_ADAPTERS: ' , ', TEST_PG_URL: '' })).toEqual(verdicts({}));
  });
});
