import type { Static } from '@sinclair/typebox';
import {
  ErrorDto,
  RefParams,
  RuleCreateBody as CreateBody,
  RuleDto,
  type RuleJson,
  RuleListQuery as ListQuery,
  RulePatchBody as PatchBody,
  dataOf,
  pageOf,
} from '../../api-contract/index.js';
import type { FlatSchema, Rule } from '../../domain/index.js';
import { isTemplateReference } from '../../rules/index.js';
import type { ApiContext } from '../context.js';
import { actingOf } from '../acting.js';
import { redactStored } from '../redact-stored.js';
import type { ResourceRoutes } from '../resource-routes.js';

/**
 * `actionSchema`: the parameters of the rule's action (undefined when it is not installed); its
 * secret parameters are masked, except references such as `{{ pack.config.token }}`.
 */
function toRuleDto(rule: Rule, actionSchema: FlatSchema | undefined): RuleJson {
  return {
    id: rule.id,
    ref: rule.ref,
    pack_ref: rule.packRef,
    label: rule.label,
    description: rule.description,
    trigger_ref: rule.triggerRef,
    trigger_params: rule.triggerParams,
    conditions: [...rule.conditions],
    action_ref: rule.actionRef,
    action_params: redactStored(actionSchema, rule.actionParams, isTemplateReference),
    enabled: rule.enabled,
    origin: rule.origin,
    permission_set: rule.permissionSet,
    created: rule.created,
    updated: rule.updated,
  };
}

/** The rule as the API shows it: its action's schema says which action_params to mask. */
async function present(ctx: Pick<ApiContext, 'catalog'>, rule: Rule) {
  return toRuleDto(rule, (await ctx.catalog.action(rule.actionRef))?.parameters);
}

/** `/api/v1/rules`. */
export const ruleRoutes: ResourceRoutes<'audit' | 'catalog' | 'rules'> = async (app, { ctx }) => {
  const one = { tags: ['rules'], params: RefParams, response: { 200: dataOf(RuleDto), 400: ErrorDto, 404: ErrorDto } };
  const read = { permission: 'rules:read' } as const;

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
    { config: { permission: 'rules:create' }, schema: { tags: ['rules'], summary: 'Create a rule', body: CreateBody, response: { 201: dataOf(RuleDto), 400: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => {
      const rule = await ctx.rules.create(request.body);
      await ctx.audit.change(actingOf(request), 'rule.created', rule.ref);
      return reply.status(201).send({ data: await present(ctx, rule) });
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>('/:ref', { config: read, schema: { ...one, summary: 'Show a rule' } }, async (request) => ({
    data: await present(ctx, await ctx.rules.get(request.params.ref)),
  }));

  app.patch<{ Params: Static<typeof RefParams>; Body: Static<typeof PatchBody> }>(
    '/:ref',
    { config: { permission: 'rules:update' }, schema: { ...one, summary: 'Change some fields of a rule', body: PatchBody } },
    async (request) => {
      const rule = await ctx.rules.update(request.params.ref, request.body);
      await ctx.audit.change(actingOf(request), 'rule.updated', rule.ref, { fields: Object.keys(request.body) });
      return { data: await present(ctx, rule) };
    },
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    { config: { permission: 'rules:delete' }, schema: { tags: ['rules'], summary: 'Delete a rule', params: RefParams, response: { 404: ErrorDto } } },
    async (request, reply) => {
      await ctx.rules.delete(request.params.ref);
      await ctx.audit.change(actingOf(request), 'rule.deleted', request.params.ref);
      return reply.status(204).send();
    },
  );

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: Static<typeof RefParams> }>(
      `/:ref/${verb}`,
      { config: { permission: 'rules:update' }, schema: { ...one, summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a rule` } },
      async (request) => {
        const rule = await ctx.rules.setEnabled(request.params.ref, enabled);
        await ctx.audit.change(actingOf(request), enabled ? 'rule.enabled' : 'rule.disabled', rule.ref);
        return { data: await present(ctx, rule) };
      },
    );
  }
};
