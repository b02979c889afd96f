import { type Action, actionId } from '../../src/domain/index.js';

/** An action as the store returns one: a shell script reading JSON parameters on stdin, unless `overrides` says otherwise. */
export function testAction(overrides: Partial<Action> = {}): Action {
  return {
    id: actionId(1),
    ref: 'test.action',
    packRef: 'test',
    label: 'Test action',
    description: '',
    runnerType: 'shell',
    entryPoint: 'echo-stdin.sh',
    parameters: {},
    output: {},
    parameterDelivery: 'stdin',
    parameterFormat: 'json',
    outputFormat: 'text',
    timeoutSeconds: 60,
    maxRetries: 0,
    apiAccess: false,
    permissionSet: null,
    workflow: null,
    created: '',
    updated: '',
    ...overrides,
  };
}
