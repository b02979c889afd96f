/** Shared row helpers for the repositories: JSON columns, timestamps and pages. */

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}
