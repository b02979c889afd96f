/**
 * Splits a string into literal text and `{{ <CEL> }}` templates. The closing `}}` is found by a
 * small scanner that skips string literals and balances braces, so `{{ {"a": {"b": 1}} }}`
 * (a map literal) is one template.
 */

export interface TemplateExpression {
  /** The CEL source between the braces, trimmed. */
  readonly expression: string;
  /** Offset of the opening `{{` in the original string. */
  readonly offset: number;
}

export type TemplatePart = string | TemplateExpression;

export type ParsedTemplate =
  | { readonly kind: 'literal' }
  | { readonly kind: 'whole'; readonly template: TemplateExpression }
  | { readonly kind: 'mixed'; readonly parts: readonly TemplatePart[] }
  | { readonly kind: 'invalid'; readonly message: string; readonly position: number };

const OPEN = '{{';
const CLOSE = '}}';

/** Index just past the string literal starting at `start`, or the text length if unterminated. */
function skipStringLiteral(text: string, start: number): number {
  const quote = text[start] ?? '"';
  const delimiter = text.startsWith(quote.repeat(3), start) ? quote.repeat(3) : quote;
  let i = start + delimiter.length;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text.startsWith(delimiter, i)) return i + delimiter.length;
    else i += 1;
  }
  return text.length;
}

/** Index of the `}}` closing the template whose body starts at `start`, or -1. */
function findClose(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const char = text[i];
    if (char === '"' || char === "'") {
      i = skipStringLiteral(text, i);
      continue;
    }
    if (depth === 0 && text.startsWith(CLOSE, i)) return i;
    if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    i += 1;
  }
  return -1;
}

type InvalidTemplate = Extract<ParsedTemplate, { kind: 'invalid' }>;

function splitParts(text: string): { readonly kind: 'parts'; readonly parts: readonly TemplatePart[] } | InvalidTemplate {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (let open = text.indexOf(OPEN); open !== -1; open = text.indexOf(OPEN, cursor)) {
    const close = findClose(text, open + OPEN.length);
    if (close === -1) return { kind: 'invalid', message: "'{{' has no closing '}}'", position: open };
    const expression = text.slice(open + OPEN.length, close).trim();
    if (expression === '') return { kind: 'invalid', message: "'{{ }}' is empty", position: open };
    if (open > cursor) parts.push(text.slice(cursor, open));
    parts.push({ expression, offset: open });
    cursor = close + CLOSE.length;
  }
  if (cursor < text.length) parts.push(text.slice(cursor));
  return { kind: 'parts', parts };
}

/** Classifies a string: no templates, exactly one template (whitespace around allowed), or mixed. */
export function parseTemplate(text: string): ParsedTemplate {
  if (!text.includes(OPEN)) return { kind: 'literal' };
  const split = splitParts(text);
  if (split.kind === 'invalid') return split;
  const { parts } = split;
  const templates = parts.filter((part): part is TemplateExpression => typeof part !== 'string');
  const onlyWhitespaceAround = parts.every((part) => typeof part !== 'string' || part.trim() === '');
  if (templates.length === 1 && onlyWhitespaceAround && templates[0]) return { kind: 'whole', template: templates[0] };
  return { kind: 'mixed', parts };
}
