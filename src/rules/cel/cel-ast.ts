/**
 * The little of cel-js's AST that Attune reads: a node's operator (`op`: `==`, `rcall`,
 * `value`…), its arguments (for `call` `[name, args]`, for `rcall` `[name, receiver, args]`),
 * its source offset, and the `handle` a call gets when it is type-checked. The library does not
 * document these; the metering and RE2 tests fail loudly if an update changes them.
 */
export interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start?: number;
  handle?: unknown;
}

export function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}

/** The function or method name of a `call` or `rcall` node, else undefined. */
export function callName(node: AstNode): string | undefined {
  if (node.op !== 'call' && node.op !== 'rcall') return undefined;
  const [name] = node.args as readonly unknown[];
  return typeof name === 'string' ? name : undefined;
}
