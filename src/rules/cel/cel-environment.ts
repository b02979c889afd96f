/**
 * The one CEL environment every rule expression is checked and evaluated in.
 *
 * Library: `@marcbachmann/cel-js` (MIT, zero dependencies, actively released; v8 declares
 * `engines.node >=20.19`). Chosen over `@bufbuild/cel` and `cel-js` because it is the one that
 * type-checks an expression against declared variable types without evaluating it
 * (`Environment.check`), reports every parse and type error with a source range, enforces
 * structural limits (AST nodes, depth, literal sizes) at parse time, and lets us register
 * operator overloads — which is how integers and doubles mix in arithmetic below.
 */
import { Environment } from '@marcbachmann/cel-js';

/** Expressions longer than this are rejected before parsing; CEL has no loops, so size bounds cost. */
export const MAX_EXPRESSION_LENGTH = 4096;

const ARITHMETIC = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
} as const satisfies Record<string, (a: number, b: number) => number>;

function registerMixedArithmetic(env: Environment): void {
  // CEL has no implicit int/double promotion, but a JSON user writes `count * 1.5` and
  // `1 + 2.5` and expects a number: the mixed forms promote the int to a double.
  for (const [op, apply] of Object.entries(ARITHMETIC)) {
    env.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => apply(Number(a), b));
    env.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => apply(a, Number(b)));
  }
}

function createCelEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: false,
    limits: { maxAstNodes: 1000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 },
  });
  env.registerVariable({
    name: 'event',
    schema: { id: 'int', trigger_ref: 'string', payload: 'dyn', created: 'string' },
  });
  env.registerVariable({ name: 'rule', schema: { ref: 'string', pack_ref: 'string' } });
  env.registerVariable({ name: 'pack', schema: { config: 'map<string, dyn>' } });
  env.registerVariable('system', 'map<string, dyn>');
  registerMixedArithmetic(env);
  return env;
}

/**
 * Built once at import: registration is the expensive part, and after setup the environment is
 * only read (parse/check/evaluate), so sharing it is safe.
 */
export const celEnvironment: Environment = createCelEnvironment();
