/**
 * The one error catalogue. Every error Attune reports to a user has a stable code from this
 * table; codes are never renamed or reused, and each is documented in docs/errors.md (a test
 * checks both directions).
 */
export const ERROR_CATALOGUE = {
  ERR_INTERNAL: { httpStatus: 500, summary: 'An unexpected error; always a bug.' },
  ERR_VALIDATION: { httpStatus: 400, summary: 'The request body, query or path failed validation.' },
  ERR_BAD_REQUEST: { httpStatus: 400, summary: 'The request is malformed in a way no more specific code covers.' },
  ERR_BAD_JSON: { httpStatus: 400, summary: 'The request body is not valid JSON.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, summary: 'The request body has a content type the API does not accept.' },
  ERR_BODY_TOO_LARGE: { httpStatus: 413, summary: 'The request body is larger than the API accepts.' },
  ERR_NOT_FOUND: { httpStatus: 404, summary: 'No such route.' },
  ERR_HOST_NOT_ALLOWED: { httpStatus: 403, summary: 'The request names a Host the API does not answer to (DNS rebinding protection).' },
  ERR_ORIGIN_NOT_ALLOWED: { httpStatus: 403, summary: 'A state-changing request came from a web page of another origin.' },
  ERR_CONFIG_INVALID: { httpStatus: 500, summary: 'The configuration file or environment is invalid.' },
  ERR_PORT_IN_USE: { httpStatus: 500, summary: 'attune up cannot listen: the configured port is taken.' },
  ERR_ALREADY_RUNNING: { httpStatus: 500, summary: 'An attune up is already running for this data dir.' },
  ERR_EXPORT_FILE_EXISTS: { httpStatus: 500, summary: 'attune export will not overwrite an existing file.' },
  ERR_IMPORT_NOT_EMPTY: { httpStatus: 500, summary: 'attune import writes only into an empty database.' },
  ERR_IMPORT_INVALID: { httpStatus: 500, summary: 'The file given to attune import is not a whole export of a version it reads.' },
  ERR_PACK_NOT_FOUND: { httpStatus: 404, summary: 'No pack has this ref.' },
  ERR_PACK_INVALID: { httpStatus: 400, summary: 'A pack failed validation; details list every problem with file, line and field.' },
  ERR_PACK_PATH_NOT_FOUND: { httpStatus: 400, summary: 'The pack directory does not exist or has no pack.yaml.' },
  ERR_PACK_PROTECTED: { httpStatus: 409, summary: 'The pack cannot be removed (the core pack).' },
  ERR_ACTION_NOT_FOUND: { httpStatus: 404, summary: 'No action has this ref.' },
  ERR_ACTION_PARAMETERS_INVALID: { httpStatus: 400, summary: 'Action parameters do not match the action schema.' },
  ERR_EXECUTION_NOT_FOUND: { httpStatus: 404, summary: 'No execution has this id.' },
  ERR_EXECUTION_NOT_CANCELABLE: { httpStatus: 409, summary: 'The execution has already ended.' },
  ERR_TRIGGER_NOT_FOUND: { httpStatus: 404, summary: 'No trigger has this ref.' },
  ERR_SENSOR_NOT_FOUND: { httpStatus: 404, summary: 'No sensor has this ref.' },
  ERR_RULE_NOT_FOUND: { httpStatus: 404, summary: 'No rule has this ref.' },
  ERR_RULE_EXISTS: { httpStatus: 409, summary: 'A rule with this ref exists already.' },
  ERR_RULE_INVALID: { httpStatus: 400, summary: 'A rule failed validation: unknown trigger or action, bad trigger_params, or a CEL expression that does not compile (quoted with its position).' },
  ERR_EVENT_NOT_FOUND: { httpStatus: 404, summary: 'No event has this id.' },
  ERR_EVENT_INVALID: { httpStatus: 400, summary: 'An event names an unknown trigger or a rule that does not use it.' },
  ERR_WEBHOOK_NOT_FOUND: { httpStatus: 404, summary: 'No enabled rule listens on this webhook.' },
  ERR_NOT_READY: { httpStatus: 503, summary: 'Attune is still starting: not every service of the process runs yet.' },
  ERR_API_UNREACHABLE: { httpStatus: 503, summary: 'The CLI could not reach the Attune API.' },
  ERR_EXECUTION_UNSUCCESSFUL: { httpStatus: 200, summary: 'The CLI waited for an execution that did not complete.' },
  ERR_CLI_USAGE: { httpStatus: 400, summary: 'The CLI was called with arguments it cannot use.' },
  ERR_SECRET_UNREADABLE: { httpStatus: 500, summary: 'A stored secret cannot be opened: sealed with another key, or altered.' },
  ERR_STORAGE_FULL: { httpStatus: 507, summary: 'The disk holding the database is full: the write was not made; reads still work.' },
  ERR_STORAGE_UNAVAILABLE: { httpStatus: 503, summary: 'The database could not be read or written (an I/O error, or a PostgreSQL server that cannot be reached); retry later.' },
  ERR_BUS_UNAVAILABLE: { httpStatus: 503, summary: 'The message broker (RabbitMQ) could not be reached within the bound: the message was not sent; retry later.' },
  ERR_JSON_TOO_DEEP: { httpStatus: 400, summary: 'A JSON value (request body, sensor line, pack value or rendered parameters) nests deeper than Attune accepts.' },
  ERR_JSON_NUMBER_OUT_OF_RANGE: { httpStatus: 400, summary: 'A JSON number is too large to be stored (it is not a finite double, e.g. 1e400).' },
  ERR_UNAUTHENTICATED: { httpStatus: 401, summary: 'The request carries no valid token: none, malformed, expired or revoked.' },
  ERR_FORBIDDEN: { httpStatus: 403, summary: "The caller's permission sets do not allow this request." },
  ERR_LOGIN_FAILED: { httpStatus: 401, summary: 'Wrong login or password (one message for both), or the identity is disabled.' },
  ERR_RATE_LIMITED: { httpStatus: 429, summary: 'Too many requests (failed logins, or a webhook over its rate limit); retry after Retry-After seconds.' },
  ERR_IDENTITY_NOT_FOUND: { httpStatus: 404, summary: 'No identity has this login.' },
  ERR_IDENTITY_EXISTS: { httpStatus: 409, summary: 'An identity with this login exists already.' },
  ERR_PERMISSION_SET_NOT_FOUND: { httpStatus: 404, summary: 'No permission set has this ref.' },
  ERR_TOKEN_NOT_FOUND: { httpStatus: 404, summary: 'No API token has this id.' },
  ERR_KEY_NOT_FOUND: { httpStatus: 404, summary: 'No key has this name in this scope.' },
  ERR_WEBHOOK_SIGNATURE: { httpStatus: 401, summary: 'A webhook that requires a signature got none, or a wrong one.' },
  ERR_PAYLOAD_TOO_LARGE: { httpStatus: 413, summary: 'A webhook body is larger than that webhook accepts (max_body_bytes).' },
  ERR_LAST_ADMIN: { httpStatus: 409, summary: 'The change would leave no enabled identity holding the admin permission set.' },
  ERR_PERMISSION_SET_EXISTS: { httpStatus: 409, summary: 'A permission set with this name exists already.' },
  ERR_PERMISSION_SET_BUILTIN: { httpStatus: 409, summary: 'Built-in permission sets cannot be changed or deleted.' },
  ERR_INQUIRY_NOT_FOUND: { httpStatus: 404, summary: 'No inquiry has this id.' },
  ERR_INQUIRY_NOT_PENDING: { httpStatus: 409, summary: 'The inquiry was already answered, timed out or cancelled.' },
  ERR_INQUIRY_NOT_ASSIGNEE: { httpStatus: 403, summary: 'The caller may not answer this inquiry: not its assignee (nor an admin), or the identity that started the workflow.' },
  ERR_INQUIRY_RESPONSE_INVALID: { httpStatus: 400, summary: "The response does not match the inquiry's schema." },
  ERR_EXECUTION_NOT_WORKFLOW: { httpStatus: 400, summary: 'Only a workflow execution (not one of its tasks) can be re-run from a task.' },
  ERR_EXECUTION_NOT_FINISHED: { httpStatus: 409, summary: 'The workflow execution has not ended yet: a rerun needs a finished one.' },
  ERR_WORKFLOW_TASK_NOT_FOUND: { httpStatus: 400, summary: 'The workflow has no such task, or the task did not run in that execution.' },
} as const satisfies Record<string, { readonly httpStatus: number; readonly summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** CLI exit statuses by kind of failure. */
const EXIT_CODES = { client: 2, notFound: 3, server: 1, unsuccessful: 1 } as const;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: unknown;
  /** HTTP headers the answer carries (`Retry-After` for ERR_RATE_LIMITED). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = ERROR_CATALOGUE[code].httpStatus;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get exitCode(): number {
    if (this.code === 'ERR_EXECUTION_UNSUCCESSFUL') return EXIT_CODES.unsuccessful;
    if (this.httpStatus === 404) return EXIT_CODES.notFound;
    if (this.httpStatus >= 400 && this.httpStatus < 500) return EXIT_CODES.client;
    return EXIT_CODES.server;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** One problem found while validating a document, located as precisely as we can. */
export interface ValidationIssue {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly field: string;
  readonly message: string;
}

export function formatIssue(issue: ValidationIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((part) => part !== undefined).join(':');
  return `${where ? `${where}: ` : ''}${issue.field ? `${issue.field}: ` : ''}${issue.message}`;
}
