/**
 * Request validation shared by the routes: path ids, query parameters, and the JSON-body guard
 * (media type and size). The schemas are the ones the OpenAPI document shows (see openapi.ts).
 */
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import { z } from '@hono/zod-openapi';
import { isJsonObject, type JsonObject, jsonProblem } from './json.ts';
import { ApiError } from './problem.ts';

/** Largest request body accepted, and so the largest settings object: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A UUID in its canonical text form, any case (spelled out rather than with the `i` flag, which a
 * JSON Schema `pattern` cannot carry).
 */
export const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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
const flag = z.enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

/** `?cascade=true|false` (default false), and no other query parameter. */
export const cascadeQuery = z.strictObject({
  cascade: flag.openapi({ description: 'Also disable the enabled modules that require it.' }),
});

/** An uninstall's `?cascade=` and `?purge=` (both default false), and no other parameter. */
export const uninstallQuery = z.strictObject({
  cascade: flag.openapi({ description: 'Also uninstall the enabled modules that require it.' }),
  purge: flag.openapi({
    description: "First delete the tenant's rows in the tables the uninstalled modules own.",
  }),
});

/**
 * An event id as a cursor: a whole number from 0 below 2^53, the ids the API returns as JSON
 * numbers.
 */
const eventId = z.string().regex(
  /^(0|[1-9][0-9]{0,15})$/,
  'must be an event id (a whole number)',
)
  .transform(Number).refine(
    Number.isSafeInteger,
    'must be an event id below 2^53',
  );

/** Events listed per page by default, and at most. */
export const EVENTS_PAGE = { default: 50, max: 200 };

/**
 * The events listing's query: `module_id`, one cursor (`before`, newest first, or `after`,
 * oldest first) and `limit` (1 to 200, default 50); nothing else.
 */
export const eventsQuery = z.strictObject({
  module_id: moduleSlug.optional().openapi({ description: "Only this module's events." }),
  before: eventId.optional().openapi({
    description: 'Page back: events older than this id, newest first (`next_before` of a page).',
  }),
  after: eventId.optional().openapi({
    description: 'Poll forward: events after this id, oldest first (`next_after` of a poll).',
  }),
  limit: z.string().regex(
    /^[0-9]{1,3}$/,
    `must be a whole number from 1 to ${EVENTS_PAGE.max}`,
  )
    .transform(Number)
    .refine(
      (n) => n >= 1 && n <= EVENTS_PAGE.max,
      `must be from 1 to ${EVENTS_PAGE.max}`,
    )
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
export const jsonObject = z.custom<JsonObject>(
  isJsonObject,
  'must be a JSON object',
)
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ type: 'object', additionalProperties: true });

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
