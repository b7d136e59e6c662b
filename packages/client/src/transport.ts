/**
 * How a request reaches the function: with `fetch` (a URL, the project's API key and an
 * access-token callback), or through a supabase-js client's `functions.invoke`, which adds the
 * signed-in session's token (refreshed by supabase-js) and the API key itself.
 */
import { type RawResponse, readBody } from './result.ts';

/** A request to the function: a path under `/modules`, and a JSON body for writes. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** From the function's root, starting with `/modules`, query string included. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** Sends a request; rejects only when no HTTP answer came back (the cause is what was thrown). */
export type Transport = (request: RawRequest) => Promise<RawResponse>;

/** The `fetch` the client calls (the global one by default), e.g. one that checks answers. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** A new-style API key (`sb_publishable_…`), which is no JWT and so never sent as a bearer token. */
function isOpaqueKey(key: string): boolean {
  return key.startsWith('sb_');
}

/** Where the function is: `${supabaseUrl}/functions/v1` without a trailing slash. */
export function functionsBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/functions\/v1$/, '') +
    '/functions/v1';
}

/** Where a token comes from: the signed-in user's access token per call, or none. */
export type AccessToken = () => string | null | undefined | Promise<string | null | undefined>;

/**
 * Requests with `fetch`: `apikey` is the project's key; `Authorization` the token the callback
 * gives, or (as supabase-js does with no session) a legacy anon key itself, never an `sb_` key.
 */
export function fetchTransport(options: {
  url: string;
  apiKey: string;
  accessToken?: AccessToken;
  fetch?: Fetch;
}): Transport {
  const base = functionsBase(options.url);
  const send: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  return async ({ method, path, body, signal }) => {
    const token = (await options.accessToken?.()) ??
      (isOpaqueKey(options.apiKey) ? undefined : options.apiKey);
    const headers: Record<string, string> = { apikey: options.apiKey };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await send(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    return {
      status: response.status,
      body: readBody(response.headers.get('content-type'), text),
    };
  };
}

/**
 * The part of a supabase-js (v2) client this package uses: `createClient(...)` fits it. Only
 * its shape is required, so the package does not import supabase-js.
 */
export interface SupabaseFunctionsClient {
  functions: {
    invoke(
      functionName: string,
      options: {
        method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
        body?: { [key: string]: unknown };
        signal?: AbortSignal;
      },
    ): Promise<{ data: unknown; error: unknown; response?: Response }>;
  };
}

/** The name of an error supabase-js's functions client returned, if it is one of its own. */
function functionsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Requests through `supabase.functions.invoke`: supabase-js sends the API key, the session's
 * access token (refreshing it when due) or the `accessToken` option's, and its global headers.
 * Its errors are taken apart again: an HTTP error's response is read for its problem body, a
 * fetch error rejects with its cause.
 */
export function supabaseTransport(
  supabase: SupabaseFunctionsClient,
): Transport {
  return async ({ method, path, body, signal }) => {
    const { data, error, response } = await supabase.functions.invoke(
      path.slice(1),
      {
        method,
        body: body as { [key: string]: unknown } | undefined,
        signal,
      },
    );
    if (error === null || error === undefined) {
      const status = response?.status ?? 200;
      if (typeof data === 'string') return { status, body: { text: data } };
      const blob = typeof Blob !== 'undefined' && data instanceof Blob;
      return {
        status,
        body: data === null || blob ? { text: '' } : { json: data },
      };
    }
    const name = functionsErrorName(error);
    // The answer: `response` in recent supabase-js releases; in older v2 releases only the
    // error's `context` (the same Response) carries it.
    const answer = response ?? (error as { context?: unknown }).context;
    if (
      (name === 'FunctionsHttpError' || name === 'FunctionsRelayError') &&
      answer instanceof Response
    ) {
      const text = await answer.text();
      return {
        status: answer.status,
        body: readBody(answer.headers.get('content-type'), text),
      };
    }
    if (name === 'FunctionsFetchError') {
      throw (error as { context?: unknown }).context ?? error;
    }
    // A 2xx whose JSON did not parse: invoke threw while reading it, and kept no response.
    if (error instanceof SyntaxError) {
      return { status: 200, body: { text: '' } };
    }
    throw error;
  };
}
