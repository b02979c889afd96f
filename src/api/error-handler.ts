import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../domain/index.js';

/** Fastify's own client-error codes, mapped onto our stable catalogue. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
};

interface ValidationEntry {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** One detail per field and problem: Ajv may report the same problem more than once. */
function describeValidation(context: string | undefined, entries: readonly ValidationEntry[]) {
  const details = entries.map((entry) => {
    const path = (entry.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const missing = entry.params?.missingProperty;
    const extra = entry.params?.additionalProperty;
    const field = [path, typeof missing === 'string' ? missing : '', typeof extra === 'string' ? extra : '']
      .filter(Boolean)
      .join('.');
    const allowed = entry.params?.allowedValues;
    const message =
      typeof extra === 'string' ? 'is not an accepted field'
      : Array.isArray(allowed) ? `must be one of: ${allowed.join(', ')}`
      : (entry.message ?? 'is invalid');
    return { field: `${context ?? 'request'}${field ? `.${field}` : ''}`, message };
  });
  return details.filter((detail, i) => details.findIndex((other) => other.field === detail.field && other.message === detail.message) === i);
}

/** Turns any error into the one error body and the right status. A 500 is always a bug. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const details = describeValidation(fastifyError.validationContext, fastifyError.validation);
    const first = details[0];
    return new AppError('ERR_VALIDATION', first ? `${first.field} ${first.message}` : 'invalid request', { details });
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped, fastifyError.message);
  if (error instanceof SyntaxError) return new AppError('ERR_BAD_JSON', error.message);
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new AppError('ERR_BAD_REQUEST', fastifyError.message);
  return new AppError('ERR_INTERNAL', 'internal error', { cause: error });
}

/** The one error body: `{ "error": { code, message, details? } }` with the code's status. */
export function sendError(reply: FastifyReply, appError: AppError): FastifyReply {
  const body: { code: string; message: string; details?: unknown } = { code: appError.code, message: appError.message };
  if (appError.details !== undefined) body.details = appError.details;
  for (const [name, value] of Object.entries(appError.headers)) void reply.header(name, value);
  return reply.status(appError.httpStatus).send({ error: body });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request rejected');
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, new AppError('ERR_NOT_FOUND', `no route ${request.method} ${request.url}`)),
  );
}
