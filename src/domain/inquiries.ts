import type { FlatSchema } from './flat-schema.js';
import type { ExecutionId } from './ids.js';

/**
 * An inquiry (issue 9 §4): a question a workflow asks a person through `core.ask`. It waits in
 * `pending` until the assignee answers (`responded`), its due time passes (`timed_out`) or its
 * execution is cancelled (`cancelled`); only `pending` ever changes.
 */
export const INQUIRY_STATUSES = ['pending', 'responded', 'timed_out', 'cancelled'] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];

export type InquiryId = number & { readonly __brand: 'InquiryId' };
export const inquiryId = (n: number): InquiryId => n as InquiryId;

export interface Inquiry {
  readonly id: InquiryId;
  /** The `core.ask` execution that waits for the answer. */
  readonly executionId: ExecutionId;
  readonly prompt: string;
  /** What the answer must be: a flat schema, like an action's parameters. */
  readonly schema: FlatSchema;
  /** The login that may answer (null: anyone holding `role`, or anyone allowed to respond). */
  readonly assignee: string | null;
  /** The permission set whose holders may answer (null: see `assignee`). */
  readonly role: string | null;
  /** The identity that started the workflow may not answer. */
  readonly forbidRequester: boolean;
  /** Who started the workflow (or the execution) that asks: the login, or null for a rule. */
  readonly requestedBy: string | null;
  readonly status: InquiryStatus;
  readonly response: Readonly<Record<string, unknown>> | null;
  readonly respondedBy: string | null;
  /** When it times out (ISO time). */
  readonly dueAt: string;
  readonly created: string;
  readonly updated: string;
}
