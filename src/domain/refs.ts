/** Refs are `<pack>.<name>`, lower case (DESIGN §3). */
export const PACK_REF_PATTERN = /^[a-z][a-z0-9_-]+$/;
export const COMPONENT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

export function isPackRef(value: string): boolean {
  return PACK_REF_PATTERN.test(value);
}

export interface ParsedRef {
  readonly pack: string;
  readonly name: string;
}

/** Splits `pack.name`; returns undefined when the ref is not well formed. */
export function parseRef(ref: string): ParsedRef | undefined {
  const dot = ref.indexOf('.');
  if (dot <= 0) return undefined;
  const pack = ref.slice(0, dot);
  const name = ref.slice(dot + 1);
  if (!isPackRef(pack) || !COMPONENT_NAME_PATTERN.test(name)) return undefined;
  return { pack, name };
}
