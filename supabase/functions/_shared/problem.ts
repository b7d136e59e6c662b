/**
 * Errors as RFC 9457 problem details (`application/problem+json`): every failure the API reports
 * has a stable machine-readable `code`; validation failures list the offending fields.
 */
import { HTTPException } from 'hono/http-exception';

/** One offending field of a request: a JSON path into the body (or `params.<name>`). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Every problem the API reports, by its stable `code`: the HTTP status that code always comes
 * with, its title, and the headers it always carries. A code never changes status, so a client
 * can switch on either.
 */
export const PROBLEMS = {
  invalid_json: { status: 400, title: 'Malformed JSON' },
  invalid_request: { status: 400, title: 'Invalid request' },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    headers: { 'www-authenticate': 'Bearer realm="modules"' },
  },
  forbidden: { status: 403, title: 'Not allowed' },
  purge_refused: { status: 403, title: 'Purge refused' },
  tenant_not_found: { status: 404, title: 'Tenant not found' },
  module_not_installed: { status: 404, title: 'Module not installed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  already_installed: { status: 409, title: 'Module already installed' },
  missing_dependencies: { status: 409, title: 'Missing dependencies' },
  required_by: { status: 409, title: 'Required by other modules' },
  upgrade_blocked: { status: 409, title: 'Upgrade blocked' },
  downgrade_not_supported: { status: 409, title: 'Downgrade not supported' },
  module_disabled: { status: 409, title: 'Module disabled' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  module_unavailable: { status: 422, title: 'Module unavailable' },
  unknown_version: { status: 422, title: 'Unknown version' },
  invalid_settings: { status: 422, title: 'Invalid settings' },
  internal_error: { status: 500, title: 'Internal error' },
  upstream_unavailable: {
    status: 503,
    title: 'Database unavailable',
    headers: { 'retry-after': '1' },
  },
  auth_unavailable: {
    status: 503,
    title: 'Auth server unavailable',
    headers: { 'retry-after': '1' },
  },
} as const satisfies Record<
  string,
  { status: number; title: string; headers?: Record<string, string> }
>;

/** The headers every problem with `code` carries (e.g. `Retry-After` on a 503). */
export function problemHeaders(code: ProblemCode): Record<string, string> {
  const problem = PROBLEMS[code] as { headers?: Record<string, string> };
  return problem.headers ?? {};
}

/** The stable codes clients can switch on. */
export type ProblemCode = keyof typeof PROBLEMS;

/** A module the tenant lacks in the range another module requires. */
export interface MissingDependency {
  module_id: string;
  /** The semver range required. */
  range: string;
  /** The version the tenant has installed (disabled or out of range); null when not installed. */
  installed_version: string | null;
}

/** An enabled module of the tenant that requires the module a request is about. */
export interface Dependent {
  module_id: string;
  /** The dependent's installed version. */
  version: string;
  /** The range of the module that version requires. */
  range: string;
}

/**
 * Extension members a problem may carry beside the standard ones (RFC 9457 §3.2), each with its
 * one meaning whatever the code.
 */
export interface ProblemMembers {
  /** The requirements the tenant does not have enabled in range. */
  dependencies?: MissingDependency[];
  /** The enabled modules that stand in the way, with the range each requires. */
  dependents?: Dependent[];
}

/** The JSON body of a problem response. */
export interface Problem extends ProblemMembers {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  errors?: FieldError[];
}

/** Thrown by handlers; `app.onError` turns it into the problem response. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** The HTTP status, the one `PROBLEMS` gives the code. */
  readonly status: number;
  /**
   * The response headers (names in lower case): those `PROBLEMS` gives the code (`Retry-After` on
   * a 503), then the ones given, e.g. `Allow` on a 405.
   */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    headers?: Record<string, string>,
    /** Extension members of the problem, e.g. the `dependencies` a 409 is about. */
    readonly members?: ProblemMembers,
  ) {
    super(detail);
    this.status = PROBLEMS[code].status;
    this.headers = { ...problemHeaders(code) };
    for (const [name, value] of Object.entries(headers ?? {})) {
      this.headers[name.toLowerCase()] = value;
    }
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: `urn:module-registry:problem:${this.code}`,
      title: PROBLEMS[this.code].title,
      status: this.status,
      detail: this.detail,
      code: this.code,
    };
    if (this.errors?.length) problem.errors = this.errors;
    return { ...problem, ...this.members };
  }
}

/** The response for a problem, with the media type RFC 9457 registers. */
export function problemResponse(error: ApiError): Response {
  const headers = new Headers(error.headers);
  headers.set('content-type', 'application/problem+json');
  return new Response(JSON.stringify(error.toProblem()), { status: error.status, headers });
}

/**
 * Whatever a handler or middleware threw, as an ApiError: hono's own exceptions (malformed
 * JSON) become 4xx; anything else is a bug, logged and reported as a 500.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ApiError('invalid_json', 'The body is not valid JSON.');
    if (err.status === 413) {
      return new ApiError('payload_too_large', 'The body is too large.');
    }
    if (err.status === 415) {
      return new ApiError('unsupported_media_type', 'Send the body as JSON.');
    }
    return new ApiError('invalid_request', err.message || 'The request was refused.');
  }
  console.error('unhandled error', err);
  return new ApiError('internal_error', 'Unexpected error.');
}
