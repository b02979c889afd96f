import { AppError } from '../../domain/index.js';

/** One bad expression found while compiling a rule, located within the expression. */
export interface CelIssue {
  /** Where the expression lives in the rule, e.g. `conditions[0]` or `action_params.message`. */
  readonly field: string;
  readonly expression: string;
  readonly message: string;
  /** 0-based offset in `expression`. */
  readonly position?: number;
  /** 1-based line within `expression`. */
  readonly line?: number;
  /** 1-based column within `expression`. */
  readonly column?: number;
}

/** What went wrong, before it is located: the library's error kind and summary. */
export interface CelProblem {
  readonly kind: string;
  readonly summary: string;
  readonly position?: number;
}

/** Builds an issue from a problem, adding 1-based line and column when the position is known. */
export function toCelIssue(field: string, expression: string, problem: CelProblem): CelIssue {
  const { position } = problem;
  if (position === undefined) return { field, expression, message: `${problem.kind}: ${problem.summary}` };
  const before = expression.slice(0, position).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const where = expression.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  return { field, expression, message: `${problem.kind} at ${where}: ${problem.summary}`, position, line, column };
}

/** `conditions[0]: event.payload.count >> 3: Syntax error at column 22: Unexpected token: GT` */
export function formatCelIssue(issue: CelIssue): string {
  return `${issue.field}: ${issue.expression}: ${issue.message}`;
}

/**
 * A rule whose conditions or templates do not compile. Raised at save time and lists every bad
 * expression at once (one line each in `message`, structured in `issues` and `details`).
 */
export class CelError extends AppError {
  readonly issues: readonly CelIssue[];

  constructor(issues: readonly CelIssue[]) {
    super('ERR_RULE_INVALID', issues.map(formatCelIssue).join('\n'), { details: issues });
    this.name = 'CelError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * A compiled expression failed while evaluating against one event (a missing payload key, a
 * type mismatch hidden behind `dyn`, a condition that is not a bool). The rule engine records
 * the message on the enforcement and treats the rule as not matched.
 */
export class CelEvaluationError extends Error {
  readonly field: string;
  readonly expression: string;
  readonly position: number | undefined;

  constructor(field: string, expression: string, problem: CelProblem, cause?: unknown) {
    super(formatCelIssue(toCelIssue(field, expression, problem)), cause === undefined ? undefined : { cause });
    this.name = 'CelEvaluationError';
    this.field = field;
    this.expression = expression;
    this.position = problem.position;
  }
}
