/**
 * The REST API's contract: every JSON shape that crosses `/api/v1`, as TypeBox schemas (which
 * the API validates with and documents in OpenAPI) and their `Static` types (which clients such
 * as the CLI read responses with). The API and its clients import it; it imports nothing but
 * TypeBox and the domain's enums, so a client loads no server code.
 *
 * One file per resource: `<resource>.ts` holds the shapes of `/api/v1/<resource>` (its responses
 * as `<Name>Dto` with type `<Name>Json`, its queries and bodies as `<Name>ListQuery`,
 * `<Name>CreateBody`, …); `primitives.ts` holds what several resources share. The routes and the
 * mappers from domain entities to these shapes live in `src/api/routes/<resource>.ts`.
 */
export * from './primitives.js';
export * from './health.js';
export * from './packs.js';
export * from './actions.js';
export * from './executions.js';
export * from './triggers.js';
export * from './sensors.js';
export * from './rules.js';
export * from './events.js';
export * from './enforcements.js';
export * from './webhooks.js';
export * from './auth.js';
export * from './stream.js';
export * from './keys.js';
export * from './identities.js';
export * from './tokens.js';
export * from './audit.js';
export * from './workers.js';
export * from './policies.js';
export * from './inquiries.js';
