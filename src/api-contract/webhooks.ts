import { type Static, Type } from '@sinclair/typebox';

/** `/{name}`: the name rules listen on (their trigger_params.url). */
export const WebhookParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' }) });

/** What a webhook sender hears: the events stored, one per rule listening. */
export const WebhookAcceptedDto = Type.Object({ events: Type.Array(Type.Integer()) });
export type WebhookAcceptedJson = Static<typeof WebhookAcceptedDto>;
