/**
 * The contract check: every response the HTTP suite receives from the `modules` function is
 * validated against the committed OpenAPI document (`packages/client/openapi.json`) — its status
 * must be one the operation declares, its required headers there, its media type the declared
 * one, its body valid for the declared schema (ajv, JSON Schema 2020-12, as OpenAPI 3.1 uses) — so the document cannot lie.
 * `api()` and `clientFor()` in fixtures.ts, the typed client of the tests, and the resilience
 * tests' requests (fuzz, tokens, upstream failures) all go through it.
 *
 * Not checked: CORS preflights (OPTIONS), bodies of HEAD answers, and the API gateway's own
 * answers (a missing API key, `verify_jwt`), which are not the function's: they carry a
 * `message` member, which the function's problems never have.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface Response {
  description: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export const OPENAPI_URL = new URL('../../packages/client/openapi.json', import.meta.url);

/** The committed document. */
export const document: OpenApiDocument = JSON.parse(Deno.readTextFileSync(OPENAPI_URL));

/** Refs into the document's components, rewritten to the schema ajv holds them in. */
function rewriteRefs(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', '"contract#/$defs/'),
  );
}

// deno-lint-ignore no-explicit-any -- ajv's default export under Deno's npm interop
const ajv = new (Ajv2020 as any)({ allErrors: true, strict: true });
// deno-lint-ignore no-explicit-any
(addFormats as any)(ajv);
ajv.addVocabulary(['example']);
ajv.addSchema({ $id: 'contract', $defs: rewriteRefs(document.components.schemas) });

const validators = new Map<string, (body: unknown) => boolean>();

function validatorFor(key: string, schema: Schema) {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rewriteRefs(schema)) as (body: unknown) => boolean;
    validators.set(key, validate);
  }
  return validate;
}

/** Path templates, those with fewer parameters first (`…/events` before `…/{moduleId}`). */
const templates = Object.keys(document.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

/**
 * The document's path template for a request path, through the gateway (`/functions/v1/modules…`)
 * or to the function's host directly (`/modules…`), if any.
 */
export function templateFor(pathname: string): string | undefined {
  const path = pathname.replace(/^\/functions\/v1/, '');
  return templates.find(({ pattern }) => pattern.test(path))?.template;
}

/** What the contract was checked against, for messages. */
function describe(method: string, pathname: string, status: number): string {
  return `${method} ${pathname} → ${status}`;
}

/**
 * Throws when a response of the function breaks the document. `body` is the parsed JSON body, or
 * the text when it was not JSON, or null when empty.
 */
export function checkContract(
  method: string,
  url: string | URL,
  status: number,
  headers: Headers,
  body: unknown,
): void {
  method = method.toUpperCase();
  if (method === 'OPTIONS') return;
  const { pathname } = new URL(url);
  if (!/^(\/functions\/v1)?\/modules(\/|$)/.test(pathname)) return;
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (status >= 400 && isObject && 'message' in body) return; // the gateway's own answer
  const what = describe(method, pathname, status);
  const template = templateFor(pathname);
  const operation = template === undefined
    ? undefined
    : document.paths[template][method === 'HEAD' ? 'get' : method.toLowerCase()];
  let response: Response | undefined;
  if (operation) {
    response = operation.responses[String(status)] ?? operation.responses.default;
    if (!response) {
      throw new Error(`contract: ${what} is not a status ${operation.operationId} declares`);
    }
  } else {
    // A HEAD answer without an operation has nothing to check (the gateway's 400 for a malformed
    // path has no body to tell it by).
    if (method === 'HEAD') return;
    // No such operation: the function's 404 or 405, a problem like any other.
    if (status !== 404 && status !== 405) {
      throw new Error(`contract: ${what} answers an undocumented operation with ${status}`);
    }
    response = {
      description: 'undocumented route',
      content: {
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      },
    };
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (header.required && !headers.has(name)) {
      throw new Error(`contract: ${what} lacks the ${name} header the document declares`);
    }
  }
  const contentType = (headers.get('content-type') ?? '').split(';')[0].trim();
  const declared = Object.keys(response.content ?? {});
  if (method === 'HEAD' || declared.length === 0) {
    if (method !== 'HEAD' && body !== null && body !== '') {
      throw new Error(`contract: ${what} declares no body but sent ${JSON.stringify(body)}`);
    }
    return;
  }
  if (!declared.includes(contentType)) {
    throw new Error(`contract: ${what} sent ${contentType || 'no content type'}, not ${declared}`);
  }
  const schema = response.content![contentType].schema;
  if (!schema) return;
  const key = `${template ?? '*'} ${method} ${status} ${contentType}`;
  const validate = validatorFor(key, schema) as ((body: unknown) => boolean) & {
    errors?: unknown;
  };
  if (!validate(body)) {
    throw new Error(
      `contract: ${what}: the body does not fit the document: ${
        JSON.stringify(validate.errors)
      }\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
  if (isObject && status >= 400 && (body as { status?: unknown }).status !== status) {
    throw new Error(`contract: ${what}: the problem says status ${(body as Schema).status}`);
  }
}

/** Parses a body as `api()` does: JSON when it is JSON, else the text, null when empty. */
export function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A `fetch` that checks every answer of the function against the document before handing it
 * back (for the typed client's `fetch` option).
 */
export const contractFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const res = await fetch(request);
  const body = parseBody(await res.clone().text());
  checkContract(request.method, request.url, res.status, res.headers, body);
  return res;
};
