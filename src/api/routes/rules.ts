import { type Static, Type } from '@sinclair/typebox';
import type { Rule } from '../../domain/index.js';
import type { ApiContext } from '../context.js';
import { ErrorDto, PageQuery, dataOf, pageOf } from '../dto.js';
import { RuleDto, toRuleDto } from '../dto-pipeline.js';
import type { ResourceRoutes } from '../resource-routes.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const ListQuery = Type.Object({
  ...PageQuery,
  pack: Type.Optional(Type.String()),
  trigger_ref: Type.Optional(Type.String()),
  action_ref: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
});
const Conditions = Type.Union([Type.String(), Type.Array(Type.String())], { description: 'A CEL expression, or a list that must all hold.' });
const RuleFields = {
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  trigger_ref: Type.String({ minLength: 1 }),
  trigger_params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  conditions: Type.Optional(Conditions),
  action_ref: Type.String({ minLength: 1 }),
  action_params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Values may hold {{ CEL }} templates.' })),
  enabled: Type.Optional(Type.Boolean()),
};
const CreateBody = Type.Object({ ref: Type.String({ minLength: 3, maxLength: 255, description: '<pack>.<name>' }), ...RuleFields }, { additionalProperties: false });
const PatchBody = Type.Partial(Type.Object(RuleFields), { additionalProperties: false });

/** The rule as the API shows it: its action's schema says which action_params to mask. */
async function present(ctx: Pick<ApiContext, 'catalog'>, rule: Rule) {
  return toRuleDto(rule, (await ctx.catalog.action(rule.actionRef))?.parameters);
}

/** `/api/v1/rules`. */
export const ruleRoutes: ResourceRoutes<'catalog' | 'rules'> = async (app, { ctx }) => {
  const one = { tags: ['rules'], params: RefParams, response: { 200: dataOf(RuleDto), 400: ErrorDto, 404: ErrorDto } };
  const read = { permission: 'rules:read' } as const;
  const write = { permission: 'rules:write' } as const;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: read, schema: { tags: ['rules'], summary: 'List rules', querystring: ListQuery, response: { 200: pageOf(RuleDto) } } },
    async (request) => {
      const { limit, offset, pack, trigger_ref, action_ref, enabled } = request.query;
      const page = await ctx.rules.list({
        limit,
        offset,
        ...(pack === undefined ? {} : { packRef: pack }),
        ...(trigger_ref === undefined ? {} : { triggerRef: trigger_ref }),
        ...(action_ref === undefined ? {} : { actionRef: action_ref }),
        ...(enabled === undefined ? {} : { enabled }),
      });
      return { data: await Promise.all(page.items.map((r) => present(ctx, r))), pagination: { limit, offset, total: page.total } };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    { config: write, schema: { tags: ['rules'], summary: 'Create a rule', body: CreateBody, response: { 201: dataOf(RuleDto), 400: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => reply.status(201).send({ data: await present(ctx, await ctx.rules.create(request.body)) }),
  );

  app.get<{ Params: Static<typeof RefParams> }>('/:ref', { config: read, schema: { ...one, summary: 'Show a rule' } }, async (request) => ({
    data: await present(ctx, await ctx.rules.get(request.params.ref)),
  }));

  app.patch<{ Params: Static<typeof RefParams>; Body: Static<typeof PatchBody> }>(
    '/:ref',
    { config: write, schema: { ...one, summary: 'Change some fields of a rule', body: PatchBody } },
    async (request) => ({ data: await present(ctx, await ctx.rules.update(request.params.ref, request.body)) }),
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    { config: write, schema: { tags: ['rules'], summary: 'Delete a rule', params: RefParams, response: { 404: ErrorDto } } },
    async (request, reply) => {
      await ctx.rules.delete(request.params.ref);
      return reply.status(204).send();
    },
  );

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: Static<typeof RefParams> }>(
      `/:ref/${verb}`,
      { config: write, schema: { ...one, summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a rule` } },
      async (request) => ({ data: await present(ctx, await ctx.rules.setEnabled(request.params.ref, enabled)) }),
    );
  }
};
