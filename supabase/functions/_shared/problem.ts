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

/** The stable codes clients can switch on. */
export type ProblemCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'purge_refused'
  | 'tenant_not_found'
  | 'module_not_installed'
  | 'not_found'
  | 'method_not_allowed'
  | 'already_installed'
  | 'missing_dependencies'
  | 'required_by'
  | 'upgrade_blocked'
  | 'downgrade_not_supported'
  | 'payload_too_large'
  | 'module_unavailable'
  | 'module_disabled'
  | 'unknown_version'
  | 'invalid_settings'
  | 'upstream_unavailable'
  | 'internal_error';

const TITLES: Record<ProblemCode, string> = {
  invalid_json: 'Malformed JSON',
  invalid_request: 'Invalid request',
  unsupported_media_type: 'Unsupported media type',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  purge_refused: 'Purge refused',
  tenant_not_found: 'Tenant not found',
  module_not_installed: 'Module not installed',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  already_installed: 'Module already installed',
  missing_dependencies: 'Missing dependencies',
  required_by: 'Required by other modules',
  upgrade_blocked: 'Upgrade blocked',
  downgrade_not_supported: 'Downgrade not supported',
  payload_too_large: 'Payload too large',
  module_unavailable: 'Module unavailable',
  module_disabled: 'Module disabled',
  unknown_version: 'Unknown version',
  invalid_settings: 'Invalid settings',
  upstream_unavailable: 'Service unavailable',
  internal_error: 'Internal error',
};

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
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Extra response headers, e.g. `Allow` on a 405 or `WWW-Authenticate` on a 401. */
    readonly headers?: Record<string, string>,
    /** Extension members of the problem, e.g. the `dependencies` a 409 is about. */
    readonly members?: ProblemMembers,
  ) {
    super(detail);
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: `urn:module-registry:problem:${this.code}`,
      title: TITLES[this.code],
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
    if (err.status === 400) return new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
    if (err.status === 413) {
      return new ApiError(413, 'payload_too_large', 'The body is too large.');
    }
    return new ApiError(400, 'invalid_request', err.message || 'The request was refused.');
  }
  console.error('unhandled error', err);
  return new ApiError(500, 'internal_error', 'Unexpected error.');
}
