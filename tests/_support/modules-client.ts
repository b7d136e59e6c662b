/**
 * The typed client (packages/client) as the HTTP tests hold it: for a persona of a world,
 * built from a supabase-js client signed in with the persona's token, or from the stack's URL,
 * its anon (or publishable) key and a token callback. Every answer is checked against the OpenAPI
 * document (`contractFetch`, contract.ts) unless a test passes a `fetch` of its own.
 */
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { createModulesClient, type ModulesClient, type Problem } from '@module-registry/client';
import { contractFetch } from './contract.ts';
import { stack } from './env.ts';
import type { Who, World } from './fixtures.ts';

/** How the client reaches the function. */
export type ClientMode = 'supabase' | 'url';

export interface ModulesClientOptions {
  /** `url` (default): a URL and a token callback; `supabase`: `functions.invoke`. */
  mode?: ClientMode;
  /** The fetch every request goes through (default `contractFetch`), in both modes. */
  fetch?: typeof globalThis.fetch;
  /** The token to send instead of the persona's (null: none). */
  token?: () => string | null | Promise<string | null>;
}

/** A supabase-js client as an app holds it, whose calls carry `token` (none: the anon key only). */
export function supabaseFor(
  token: string | null,
  fetch?: typeof globalThis.fetch,
) {
  return createClient(stack.apiUrl, stack.anonKey, {
    auth: {
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
    },
    global: {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      fetch,
    },
  });
}

/** A typed client for `who` of `w` (see ModulesClientOptions). */
export function modulesClient(
  who: Who,
  w: World,
  options: ModulesClientOptions = {},
): ModulesClient {
  const persona = () => who === 'anon' ? null : w.users[who].token;
  const token = options.token ?? persona;
  const send = options.fetch ?? contractFetch;
  if (options.mode === 'supabase') {
    if (options.token) {
      // supabase-js's own hook for a token from elsewhere, read before every request.
      const supabase = createClient(stack.apiUrl, stack.anonKey, {
        accessToken: async () => (await token()) ?? null,
        global: { fetch: send },
      });
      return createModulesClient({ supabase });
    }
    return createModulesClient({
      supabase: supabaseFor(persona(), send),
    });
  }
  return createModulesClient({
    url: stack.apiUrl,
    apiKey: stack.anonKey,
    accessToken: token,
    fetch: send,
  });
}

/** Asserts that a client result is the problem `code` with `status`, and returns the problem. */
export function expectProblem<C extends string>(
  result: { data: unknown; error: Problem<C> | null },
  status: number,
  code: C,
): Problem<C> {
  assert.equal(result.error?.code, code, JSON.stringify(result.error ?? result.data));
  assert.equal(result.error.status, status);
  assert.equal(result.data, null);
  return result.error;
}

/** Asserts that a client result succeeded, and returns its data. */
export function expectData<R extends { data: unknown; error: Problem<string> | null }>(
  result: R,
): Extract<R, { error: null }>['data'] {
  const { error } = result;
  if (error) assert.fail(`${error.status} ${error.code}: ${error.detail}`);
  return result.data;
}
