/**
 * Request validation shared by the routes: path ids, the JSON-body guard (media type and size),
 * and the zod-validator hook that turns a failed validation into a 400 listing the fields.
 */
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { isJsonObject, type JsonObject, jsonProblem } from './json.ts';
import { ApiError, type FieldError } from './problem.ts';

/** Largest request body accepted, and so the largest settings object: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A UUID in its canonical text form, any case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuid = z.string().regex(UUID_PATTERN, 'must be a UUID');
export const moduleSlug = z.string().regex(
  /^[a-z][a-z0-9_-]{1,62}$/,
  'must be a module id: a lowercase letter, then 1 to 62 of a-z, 0-9, "_" or "-"',
);

/** A semantic version (semver.org 2.0.0), e.g. `2.1.0` or `2.0.0-beta.1`. */
export const semver = z.string().regex(
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/,
  'must be a semantic version such as 2.1.0',
);

/** A query flag: `true` or `false` (default false). */
const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).optional()
  .transform((value) => value === 'true');

/** `?cascade=true|false` (default false), and no other query parameter. */
export const cascadeQuery = z.strictObject({ cascade: flag });

/** An uninstall's `?cascade=` and `?purge=` (both default false), and no other parameter. */
export const uninstallQuery = z.strictObject({ cascade: flag, purge: flag });

/**
 * An event id as a cursor: a whole number from 0 below 2^53, the ids the API returns as JSON
 * numbers.
 */
const eventId = z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'must be an event id (a whole number)')
  .transform(Number).refine(Number.isSafeInteger, 'must be an event id below 2^53');

/** Events listed per page by default, and at most. */
export const EVENTS_PAGE = { default: 50, max: 200 };

/**
 * The events listing's query: `module_id`, one cursor (`before`, newest first, or `after`,
 * oldest first) and `limit` (1 to 200, default 50); nothing else.
 */
export const eventsQuery = z.strictObject({
  module_id: moduleSlug.optional(),
  before: eventId.optional(),
  after: eventId.optional(),
  limit: z.string().regex(/^[0-9]{1,3}$/, `must be a whole number from 1 to ${EVENTS_PAGE.max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= EVENTS_PAGE.max, `must be from 1 to ${EVENTS_PAGE.max}`)
    .optional(),
}).refine((q) => q.before === undefined || q.after === undefined, {
  message: 'before and after cannot be used together: before pages back, after polls forward',
  path: ['after'],
});

/** `{tenantId}` in the path. */
export const tenantParams = z.object({ tenantId: uuid });
/** `{tenantId}/{moduleId}` in the path. */
export const moduleParams = z.object({ tenantId: uuid, moduleId: moduleSlug });

/** A JSON object that Postgres can store as jsonb (see `jsonProblem`). */
export const jsonObject = z.custom<JsonObject>(isJsonObject, 'must be a JSON object')
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

interface ValidationResult {
  success: boolean;
  error?: { issues: readonly { path: PropertyKey[]; message: string }[] };
}

const TARGETS = {
  param: { path: 'params', detail: 'The URL names an invalid tenant or module id.' },
  query: { path: 'query', detail: 'The query string has an unknown parameter or a wrong value.' },
  json: { path: 'body', detail: 'The body does not have the expected shape.' },
};

/** zod-validator hook: a failed validation throws a 400 whose `errors` name each field. */
export function invalid(target: keyof typeof TARGETS) {
  return (result: ValidationResult): void => {
    if (result.success || !result.error) return;
    const errors: FieldError[] = result.error.issues.map((issue) => ({
      path: [TARGETS[target].path, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ApiError('invalid_request', TARGETS[target].detail, errors);
  };
}

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.-]+\+)?json\s*(;\s*charset="?utf-8"?\s*)?$/i;

const requireJsonType = createMiddleware(async (c, next) => {
  if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(
      'unsupported_media_type',
      'Send the body as "Content-Type: application/json" (UTF-8).',
    );
  }
  await next();
});

/**
 * For routes with a JSON body: 415 unless it is sent as JSON, 413 when it is larger than
 * MAX_BODY_BYTES, judged by Content-Length when sent and by the bytes actually read otherwise.
 */
export const jsonBody = every(
  requireJsonType,
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(
        'payload_too_large',
        `The body may take at most ${MAX_BODY_BYTES} bytes (64 KiB).`,
      );
    },
  }),
);

/**
 * Lets a route's JSON body be left out: an empty body (none, or `Content-Length: 0`) is read as
 * `{}`, whatever its media type. Put it before `jsonBody`.
 */
export const emptyBodyAsObject = createMiddleware(async (c, next) => {
  const raw = c.req.raw;
  if (raw.body === null || raw.headers.get('content-length') === '0') {
    const headers = new Headers(raw.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    c.req.raw = new Request(raw, { body: '{}', headers });
  }
  await next();
});
