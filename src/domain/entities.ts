import type { FlatSchema } from './flat-schema.js';
import type { ActionId, EnforcementId, EventId, ExecutionId, PackId, RuleId } from './ids.js';
import type { ExecutionStatus } from './statuses.js';

export const RUNNER_TYPES = ['shell', 'node', 'python', 'native', 'builtin'] as const;
export type RunnerType = (typeof RUNNER_TYPES)[number];

export const PARAMETER_DELIVERIES = ['stdin', 'file'] as const;
export type ParameterDelivery = (typeof PARAMETER_DELIVERIES)[number];

export const PARAMETER_FORMATS = ['json', 'yaml', 'dotenv'] as const;
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];

export const OUTPUT_FORMATS = ['text', 'json', 'yaml', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Pack {
  readonly id: PackId;
  readonly ref: string;
  readonly label: string;
  readonly description: string;
  readonly version: string;
  readonly author: string;
  /** Absolute directory the pack was registered from. */
  readonly path: string;
  readonly confSchema: FlatSchema;
  readonly config: Readonly<Record<string, unknown>>;
  readonly created: string;
  readonly updated: string;
}

export interface Action {
  readonly id: ActionId;
  readonly ref: string;
  readonly packRef: string;
  readonly label: string;
  readonly description: string;
  readonly runnerType: RunnerType;
  readonly entryPoint: string;
  readonly parameters: FlatSchema;
  readonly output: FlatSchema;
  readonly parameterDelivery: ParameterDelivery;
  readonly parameterFormat: ParameterFormat;
  readonly outputFormat: OutputFormat;
  readonly timeoutSeconds: number;
  readonly maxRetries: number;
  readonly created: string;
  readonly updated: string;
}

/** What a finished (or abandoned) execution recorded. */
export interface ExecutionResult {
  readonly exit_code?: number | null;
  readonly signal?: string | null;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly data?: unknown;
  readonly duration_ms?: number;
  readonly error?: string;
}

export interface Execution {
  readonly id: ExecutionId;
  readonly actionRef: string;
  readonly status: ExecutionStatus;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number | null;
  readonly result: ExecutionResult | null;
  readonly ruleId: RuleId | null;
  readonly ruleRef: string | null;
  readonly enforcementId: EnforcementId | null;
  readonly eventId: EventId | null;
  readonly parentId: ExecutionId | null;
  readonly workerId: string | null;
  readonly attempt: number;
  readonly created: string;
  readonly updated: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export type PackMeta = Pick<Pack, 'ref' | 'label' | 'description' | 'version' | 'author' | 'confSchema' | 'config'>;
