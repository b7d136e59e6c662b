/**
 * The pieces every route definition shares, so that the OpenAPI document says what the function
 * does: one validated-routes factory (a failed validation is the same 400 problem on every
 * route), the problem+json schema, and the problem responses a route declares, grouped by the
 * status each code always comes with.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import {
  ApiError,
  type FieldError,
  type ProblemCode,
  problemHeaders,
  PROBLEMS,
} from './problem.ts';

const TARGETS: Record<string, { path: string; detail: string }> = {
  param: {
    path: 'params',
    detail: 'The URL names an invalid tenant or module id.',
  },
  query: {
    path: 'query',
    detail: 'The query string has an unknown parameter or a wrong value.',
  },
  json: { path: 'body', detail: 'The body does not have the expected shape.' },
};

/**
 * Routes whose requests are validated by the schemas of their definitions: a failed validation
 * throws a 400 `invalid_request` whose `errors` name each offending field (`params.tenantId`,
 * `query.limit`, `body.settings.x`).
 */
export function validatedRoutes<E extends Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({
    defaultHook(result) {
      if (result.success) return;
      const target = TARGETS[result.target] ??
        { path: result.target, detail: 'Invalid request.' };
      const errors: FieldError[] = result.error.issues.map((issue) => ({
        path: [target.path, ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      throw new ApiError('invalid_request', target.detail, errors);
    },
  });
}

const fieldError = z.object({
  path: z.string().openapi({
    description: 'Where: `body.…`, `query.…`, `params.…` or a setting.',
  }),
  message: z.string(),
});

const missingDependency = z.object({
  module_id: z.string(),
  range: z.string().openapi({ description: 'The semver range required.' }),
  installed_version: z.string().nullable().openapi({
    description: 'The version the tenant has (disabled or out of range); null when not installed.',
  }),
}).openapi('MissingDependency');

const dependent = z.object({
  module_id: z.string(),
  version: z.string().openapi({
    description: "The dependent's installed version.",
  }),
  range: z.string().openapi({
    description: 'The range of the module that version requires.',
  }),
}).openapi('Dependent');

const CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** An RFC 9457 problem, as every failure of the API is reported. */
export const problemSchema = z.object({
  type: z.string().openapi({
    example: 'urn:module-registry:problem:tenant_not_found',
  }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(CODES).openapi({
    description: 'Stable and machine-readable; each code always comes with the same status.',
  }),
  errors: z.array(fieldError).optional().openapi({
    description: 'The offending fields of a 400 `invalid_request` or a 422 `invalid_settings`.',
  }),
  dependencies: z.array(missingDependency).optional().openapi({
    description: 'The requirements the tenant does not have enabled in range.',
  }),
  dependents: z.array(dependent).optional().openapi({
    description: 'The enabled modules that stand in the way, with the range each requires.',
  }),
}).openapi('Problem');

/** The headers every one of `codes` carries, as OpenAPI header objects. */
function headersOf(codes: ProblemCode[]): Record<string, unknown> | undefined {
  const names = Object.keys(problemHeaders(codes[0]))
    .filter((name) => codes.every((code) => name in problemHeaders(code)));
  if (!names.length) return undefined;
  return Object.fromEntries(names.map((name) => [name, {
    description: HEADER_MEANINGS[name] ?? '',
    required: true,
    schema: { type: 'string' },
  }]));
}

const HEADER_MEANINGS: Record<string, string> = {
  'www-authenticate': '`Bearer realm="modules"`: send a user access token.',
  'retry-after': 'Seconds to wait before retrying; nothing was changed.',
};

/** Codes any route that needs a signed-in user can answer with. */
const SIGNED_IN: ProblemCode[] = [
  'unauthorized',
  'internal_error',
  'upstream_unavailable',
  'auth_unavailable',
];

/** Codes of a route with path or query parameters. */
export const PARAMS: ProblemCode[] = ['invalid_request'];

/** Codes of a route with a JSON body. */
export const JSON_BODY: ProblemCode[] = [
  'invalid_json',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
];

/**
 * The problem responses of a route that needs a signed-in user: `codes` and the ones every such
 * route has (401, 500, 503), grouped by status, each status's `code` narrowed to its codes.
 */
export function problems(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set([...codes, ...SIGNED_IN])) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<
    number,
    { description: string; headers?: Record<string, unknown>; content: Record<string, unknown> }
  > = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const listed = list.sort() as [ProblemCode, ...ProblemCode[]];
    const headers = headersOf(listed);
    responses[status] = {
      description: listed.map((code) => `\`${code}\`: ${PROBLEMS[code].title}`)
        .join('; '),
      ...(headers && { headers }),
      content: {
        'application/problem+json': {
          schema: problemSchema.extend({ code: z.enum(listed) }),
        },
      },
    };
  }
  return responses;
}

/** A JSON response. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}
