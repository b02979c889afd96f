import { type Action, actionId } from '../../src/domain/index.js';
import { action } from '../../src/store/contract/fixtures.contract.js';

/** An action as the store returns one: a shell script reading JSON parameters on stdin, unless `overrides` says otherwise. */
export function testAction(overrides: Partial<Action> = {}): Action {
  return { ...action('test.action', '', 'test'), id: actionId(1), label: 'Test action', entryPoint: 'echo-stdin.sh', created: '', updated: '', ...overrides };
}
