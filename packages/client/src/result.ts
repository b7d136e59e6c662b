/**
 * Results as supabase-js returns them, `{ data, error }`, and the pure mapping from an HTTP
 * answer (or the lack of one) to a result. The client never throws for what happens on the
 * wire: the API's refusals are its problems, and two codes of the client's own cover the rest.
 */
import type { ApiProblem, ApiProblemCode } from './api.ts';

/**
 * The problems the client reports itself, whatever the route:
 * - `network_error` (status 0): no HTTP answer came back: the network failed, the request was
 *   aborted (`signal`), or the access-token callback threw. `cause` holds what was thrown.
 * - `unexpected_response`: an answer that is not the API's: a success without the JSON body the
 *   route returns, or a failure status without a problem body (a proxy's or the gateway's HTML or
 *   JSON page: 502, 503 `BOOT_ERROR`, 504, 546). `status` is the HTTP status; `body` the text.
 *   A 401 without a problem body (the gateway refusing an expired token) is `unauthorized`.
 */
export type ClientProblemCode = 'network_error' | 'unexpected_response';

/** Every code a result's error can carry. */
export type ProblemCode = ApiProblemCode | ClientProblemCode;

/** The `type` URI of a problem with this code, as the API writes it. */
export function problemType(code: string): string {
  return `urn:module-registry:problem:${code}`;
}

/**
 * An RFC 9457 problem: the API's body as it was sent (`code` one of `C`), or one the client
 * made (`network_error`, `unexpected_response`, or `unauthorized` for a gateway's 401).
 */
export type Problem<C extends string = ProblemCode> =
  & Omit<ApiProblem, 'code'>
  & {
    code: C;
    /** `network_error`: what fetch (or the token callback) threw. */
    cause?: unknown;
    /** `unexpected_response`, gateway `unauthorized`: the answer's body as text (first 2,000 characters). */
    body?: string;
  };

/** What a method returns: the data, or the problem (exactly one of them is null). */
export type Result<T, C extends string = ProblemCode> =
  | { data: T; error: null }
  | { data: null; error: Problem<C | ClientProblemCode> };

/** An HTTP answer, its body read: parsed when it was JSON, else as text. */
export interface RawResponse {
  status: number;
  body: { json: unknown } | { text: string };
}

/** The body an operation answers a success with: JSON, or none (204). */
export type SuccessBody = 'json' | 'none';

/** A body read from the wire: parsed when its media type is JSON and it parses, else text. */
export function readBody(
  contentType: string | null,
  text: string,
): RawResponse['body'] {
  if (
    text !== '' &&
    /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(contentType ?? '')
  ) {
    try {
      return { json: JSON.parse(text) };
    } catch { /* reported as text */ }
  }
  return { text };
}

/** True for an RFC 9457 body with the members the API always sends. */
export function isApiProblem(body: unknown): body is ApiProblem {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return false;
  }
  const p = body as Record<string, unknown>;
  return typeof p.type === 'string' && typeof p.title === 'string' &&
    typeof p.status === 'number' && typeof p.detail === 'string' &&
    typeof p.code === 'string';
}

function bodyText(body: RawResponse['body']): string {
  const text = 'text' in body ? body.text : JSON.stringify(body.json) ?? '';
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function clientProblem(
  code: ClientProblemCode | 'unauthorized',
  status: number,
  title: string,
  detail: string,
  extra: { cause?: unknown; body?: string },
): Problem<ClientProblemCode | 'unauthorized'> {
  return { type: problemType(code), title, status, detail, code, ...extra };
}

/** The result of an answer to a route whose success has `expect` as body. */
export function toResult<T, C extends string>(
  response: RawResponse,
  expect: SuccessBody,
): Result<T, C> {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    if (expect === 'none') return { data: null as T, error: null };
    if ('json' in body) return { data: body.json as T, error: null };
  } else if ('json' in body && isApiProblem(body.json)) {
    return { data: null, error: body.json as Problem<C> };
  } else if (status === 401) {
    const detail = 'The gateway refused the request: a missing, invalid or expired access token.';
    const problem = clientProblem(
      'unauthorized',
      401,
      'Authentication required',
      detail,
      {
        body: bodyText(body),
      },
    );
    return { data: null, error: problem as Problem<C> };
  }
  const text = bodyText(body);
  const what = status >= 200 && status < 300
    ? 'a success without the expected JSON body'
    : 'a failure without a problem body';
  return {
    data: null,
    error: clientProblem(
      'unexpected_response',
      status,
      'Unexpected response',
      `HTTP ${status}, ${what}: ${text.slice(0, 200) || '(empty)'}`,
      { body: text },
    ) as Problem<C>,
  };
}

/** The result when no answer came back: `cause` is what fetch (or the token callback) threw. */
export function networkFailure<T, C extends string>(
  cause: unknown,
): Result<T, C> {
  const { name, message } = typeof cause === 'object' && cause !== null
    ? cause as { name?: unknown; message?: unknown }
    : {};
  const aborted = name === 'AbortError' || name === 'TimeoutError';
  const reason = typeof message === 'string' ? message : String(cause);
  const detail = aborted
    ? `The request was aborted: ${reason}`
    : `No answer from the server: ${reason}`;
  return {
    data: null,
    error: clientProblem('network_error', 0, 'Network error', detail, {
      cause,
    }) as Problem<C>,
  };
}
