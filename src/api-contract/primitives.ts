import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Shapes every resource uses: scalars, path parameters, paging, the error body, `{ data }`. */

export const FreeObject = Type.Record(Type.String(), Type.Unknown());
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * A string from a fixed list, as one JSON Schema `enum`: a wrong value is one validation error
 * naming the allowed values, where a union of literals reports one error per literal.
 */
export const StringEnum = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/** The largest id: ids are 32-bit integers in the database. */
export const MAX_ID = 2_147_483_647;

/** `/{ref}` of a pack or a pack component. */
export const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
/** `/{id}` of an execution or an event. */
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) });

/** The fields every pack component (action, trigger, sensor, rule) shows. */
export const ComponentFields = {
  id: Type.Integer(),
  ref: Type.String(),
  pack_ref: Type.String(),
  label: Type.String(),
  description: Type.String(),
};

/** `?limit=&offset=` of a paged list. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_ID, default: 0 }),
};

export const Pagination = Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer() });
export type PaginationJson = Static<typeof Pagination>;

/** `{ data: T }` */
export const dataOf = <T extends TSchema>(schema: T) => Type.Object({ data: schema });
/** `{ data: T[], pagination }` */
export const pageOf = <T extends TSchema>(schema: T) => Type.Object({ data: Type.Array(schema), pagination: Pagination });

/** A list response as a client reads it: paged lists carry `pagination`, short unpaged ones (sensors, logs) do not. */
export interface ListPage<T> {
  readonly data: readonly T[];
  readonly pagination?: PaginationJson;
}

/** The one error body: `{ "error": { code, message, details? } }`. */
export const ErrorDto = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
  },
  { $id: 'Error' },
);
export type ErrorJson = Static<typeof ErrorDto>;
