import { type Static, Type } from '@sinclair/typebox';
import { INQUIRY_STATUSES } from '../domain/index.js';
import { FreeObject, MAX_ID, NullableString, PageQuery, StringEnum, Timestamp } from './primitives.js';

export const InquiryDto = Type.Object(
  {
    id: Type.Integer(),
    execution_id: Type.Integer({ description: 'The core.ask execution waiting for the answer.' }),
    prompt: Type.String(),
    schema: Type.Record(Type.String(), Type.Unknown(), { description: 'What the answer must be: a flat schema, like action parameters.' }),
    assignee: Type.Union([Type.String(), Type.Null()], { description: 'The login that may answer.' }),
    role: Type.Union([Type.String(), Type.Null()], { description: 'The permission set whose holders may answer.' }),
    forbid_requester: Type.Boolean({ description: 'The identity that started the workflow may not answer.' }),
    requested_by: NullableString,
    status: StringEnum(INQUIRY_STATUSES),
    response: Type.Union([FreeObject, Type.Null()]),
    responded_by: NullableString,
    due_at: Timestamp,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Inquiry' },
);
export type InquiryJson = Static<typeof InquiryDto>;

export const InquiryListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(StringEnum(INQUIRY_STATUSES)),
  execution: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
});

/** `POST /api/v1/inquiries/{id}/respond`: the answer, checked against the inquiry's schema. */
export const InquiryRespondBody = Type.Object({ response: FreeObject });
