import type { Static } from '@sinclair/typebox';
import type { ActionDto, ErrorDto, ExecutionDto, ExecutionSummaryDto, PackDto, Pagination as PaginationDto } from '../api/dto.js';
import type { EnforcementDto, EventDto, RuleDto, SensorDto, SensorLogDto, TriggerDto } from '../api/dto-pipeline.js';
import type { ParameterSpec } from '../domain/index.js';

/**
 * The REST API's JSON shapes as the CLI sees them (snake_case, plain ids), derived from the API's
 * TypeBox schemas so there is one definition. The imports are type-only: they are erased at
 * compile time, so the CLI loads no server code (nor TypeBox) at runtime.
 */
export type Pagination = Static<typeof PaginationDto>;

/** A list response: paged lists carry `pagination`, short unpaged ones (sensors, logs) do not. */
export interface ListPage<T> {
  readonly data: readonly T[];
  readonly pagination?: Pagination;
}

export type PackJson = Static<typeof PackDto>;
export type ActionJson = Static<typeof ActionDto>;
export type ExecutionJson = Static<typeof ExecutionDto>;
/** An execution as lists return it: `result_summary` instead of the whole `result`. */
export type ExecutionSummaryJson = Static<typeof ExecutionSummaryDto>;
export type TriggerJson = Static<typeof TriggerDto>;
export type SensorJson = Static<typeof SensorDto>;
export type SensorStatusJson = SensorJson['status'];
/** `stream` is `stderr` (the sensor's own output) or `attune` (what the supervisor noticed). */
export type SensorLogJson = Static<typeof SensorLogDto>;
/** `origin` is `pack` (from a pack's rules/*.yaml) or `api` (created through the API or `attune rule create`). */
export type RuleJson = Static<typeof RuleDto>;
export type EventJson = Static<typeof EventDto>;
export type EnforcementJson = Static<typeof EnforcementDto>;
export type ErrorJson = Static<typeof ErrorDto>;

/**
 * What the CLI reads from one entry of an action's `parameters` map: the flat parameter spec.
 * The API types those maps as free objects, so callers narrow each entry (see `params.ts`).
 */
export type ParameterSpecJson = Partial<ParameterSpec>;

/** /health has no shared schema (it is defined inline in its route). */
export interface HealthJson {
  readonly status: string;
  readonly services: readonly string[];
  readonly version: string;
}
