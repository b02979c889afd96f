import { type Static, Type } from '@sinclair/typebox';

/** `GET /api/v1/health` once every service runs. */
export const HealthDto = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  services: Type.Array(Type.String()),
});
export type HealthJson = Static<typeof HealthDto>;
