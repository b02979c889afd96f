import { ErrorDto, RenewedTokenDto, dataOf } from '../../api-contract/index.js';
import { principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** `POST /auth/token/renew`: how a sensor keeps its token (docs/sensors.md). */
export const tokenRenewalRoutes: ResourceRoutes<'serviceTokens'> = async (app, { ctx }) => {
  app.post(
    '/token/renew',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Renew a sensor token',
        description: 'Called with a valid sensor token (attune_st_…): answers a new one with the same identity and permission set and a full lifetime. The old one works until it expires. Other tokens get 403.',
        response: { 200: dataOf(RenewedTokenDto), 401: ErrorDto, 403: ErrorDto },
      },
    },
    async (request) => {
      const renewed = await ctx.serviceTokens.renew(principalOf(request));
      return { data: { token: renewed.token, expires_at: renewed.expiresAt } };
    },
  );
};
