import { type Static, Type } from '@sinclair/typebox';
import { EXECUTION_STATUSES } from '../domain/index.js';
import { StringEnum } from './primitives.js';

/** `/{name}`: the name rules listen on (their trigger_params.url). */
export const WebhookParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' }) });

/** The longest `?wait=` honoured, in seconds; a longer one waits this long. */
export const MAX_WEBHOOK_WAIT_SECONDS = 60;

export const WebhookQuery = Type.Object({
  wait: Type.Optional(
    Type.Number({ minimum: 0, description: `Answer when every execution the event caused has ended (200), or after this many seconds (202); at most ${MAX_WEBHOOK_WAIT_SECONDS}.` }),
  ),
});

const WebhookExecution = Type.Object({
  id: Type.Integer(),
  status: StringEnum(EXECUTION_STATUSES),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

/**
 * What a webhook sender hears: the events stored, one per rule listening; with `?wait=`, also the
 * executions they caused (all ended on a 200; as far as they got on a 202).
 */
export const WebhookAcceptedDto = Type.Object({ events: Type.Array(Type.Integer()), executions: Type.Optional(Type.Array(WebhookExecution)) });
export type WebhookAcceptedJson = Static<typeof WebhookAcceptedDto>;
