/** Branded integer ids: a RuleId can never be passed where an ExecutionId is expected. */
type Brand<T, B extends string> = T & { readonly __brand: B };

export type PackId = Brand<number, 'PackId'>;
export type ActionId = Brand<number, 'ActionId'>;
export type TriggerId = Brand<number, 'TriggerId'>;
export type SensorId = Brand<number, 'SensorId'>;
export type RuleId = Brand<number, 'RuleId'>;
export type EventId = Brand<number, 'EventId'>;
export type EnforcementId = Brand<number, 'EnforcementId'>;
export type ExecutionId = Brand<number, 'ExecutionId'>;

export const packId = (n: number): PackId => n as PackId;
export const actionId = (n: number): ActionId => n as ActionId;
export const triggerId = (n: number): TriggerId => n as TriggerId;
export const sensorId = (n: number): SensorId => n as SensorId;
export const ruleId = (n: number): RuleId => n as RuleId;
export const eventId = (n: number): EventId => n as EventId;
export const enforcementId = (n: number): EnforcementId => n as EnforcementId;
export const executionId = (n: number): ExecutionId => n as ExecutionId;
export type IdentityId = Brand<number, 'IdentityId'>;
export type ApiTokenId = Brand<number, 'ApiTokenId'>;
export const identityId = (n: number): IdentityId => n as IdentityId;
export const apiTokenId = (n: number): ApiTokenId => n as ApiTokenId;
