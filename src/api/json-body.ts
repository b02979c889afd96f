import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findJsonProblem, jsonProblemError } from '../domain/index.js';

type CallbackParser = (request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) => void;

/**
 * Replaces the JSON body parser of every route with Fastify's own (same prototype-poisoning
 * protection, same empty/invalid-body errors) followed by the one JSON limits check, so no
 * route — webhooks, events, executions, rules — ever sees a body nested deeper than
 * MAX_JSON_DEPTH or holding a number JSON cannot store. Checking here, before validation and
 * before any handler, is what keeps a deep body from reaching the store or the rule engine.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  // The default parser is the callback form; its declared type also admits the promise form.
  const parseJson = app.getDefaultJsonParser('error', 'error') as CallbackParser;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    // parseAs 'string' makes `body` a string; the handler's type covers the buffer variant too.
    parseJson(request, body as string, (error, value) => {
      if (error) {
        done(error, undefined);
        return;
      }
      const problem = findJsonProblem(value);
      if (problem) done(jsonProblemError(problem, 'body'), undefined);
      else done(null, value);
    });
  });
}
