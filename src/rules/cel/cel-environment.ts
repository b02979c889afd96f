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
import { isAstNode } from './cel-ast.js';
import { CelBuiltins } from './cel-builtins.js';
import { CelMeter } from './cel-meter.js';

/** Expressions longer than this are rejected before parsing (evaluation is bounded by the cost budget). */
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

/** The part of cel-js's (unexported) evaluator the meter wraps: it evaluates every AST node. */
interface Evaluator {
  run(ast: unknown, ctx: unknown): unknown;
}

function isEvaluator(value: unknown): value is Evaluator {
  return typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function';
}

/**
 * Reaches the environment's evaluator, which cel-js keeps private but hands to a call's
 * handler: one probe call with our own handler captures it. Fails loudly at start if a
 * library update changed this, rather than running without a budget.
 */
function captureEvaluator(env: Environment): Evaluator {
  const probe = env.parse('"".matches("")');
  if (!probe.check().valid) throw new Error('cel-js: the evaluator probe does not type-check');
  let captured: unknown;
  (probe.ast as unknown as { handle: unknown }).handle = (_values: unknown, evaluator: unknown) => {
    captured = evaluator;
    return true;
  };
  probe({});
  if (!isEvaluator(captured)) throw new Error('cel-js: cannot reach the evaluator to meter it (did the library change?)');
  return captured;
}

/**
 * Every node cel-js evaluates below the root — operands, macro steps, function arguments — goes
 * through the evaluator's `run`, so wrapping it (on this environment's instance only) lets the
 * meter see the whole evaluation.
 */
function meterEvaluator(env: Environment, meter: CelMeter): void {
  const evaluator = captureEvaluator(env);
  const run = evaluator.run.bind(evaluator);
  evaluator.run = (ast, ctx) => (isAstNode(ast) ? meter.run(ast, () => run(ast, ctx)) : run(ast, ctx));
}

/** The limits and options of every Attune CEL environment, with the variables `declare` adds. */
export function createCelEnvironment(meter: CelMeter, declare: (env: Environment) => void): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: false,
    limits: { maxAstNodes: 1000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 },
  });
  declare(env);
  registerMixedArithmetic(env);
  meterEvaluator(env, meter);
  return env;
}

/** Spends the budget of the evaluation in progress (see cel-meter.ts). */
export const celMeter: CelMeter = new CelMeter();

/** `matches` on RE2 and a metered `join`; every compiled expression's AST is patched with them. */
export const celBuiltins: CelBuiltins = new CelBuiltins(celMeter);

/**
 * Built once at import: registration is the expensive part, and after setup the environment is
 * only read (parse/check/evaluate), so sharing it is safe.
 */
export const celEnvironment: Environment = createCelEnvironment(celMeter, (env) => {
  env.registerVariable({
    name: 'event',
    schema: { id: 'int', trigger_ref: 'string', payload: 'dyn', created: 'string' },
  });
  env.registerVariable({ name: 'rule', schema: { ref: 'string', pack_ref: 'string' } });
  env.registerVariable({ name: 'pack', schema: { config: 'map<string, dyn>' } });
  env.registerVariable('system', 'map<string, dyn>');
  env.registerVariable('keystore', 'map<string, string>');
});
