/**
 * The typed client (packages/client) as the HTTP tests hold it: for a persona of a world,
 * built from a supabase-js client signed in with the persona's token, or from the stack's URL,
 * its anon (or publishable) key and a token callback. `fetch` wraps every request and answer
 * (the contract checks go there), in both modes.
 */
import { createClient } from '@supabase/supabase-js';
import { createModulesClient, type ModulesClient } from '@module-registry/client';
import { stack } from './env.ts';
import type { Who, World } from './fixtures.ts';

/** How the client reaches the function. */
export type ClientMode = 'supabase' | 'url';

export interface ModulesClientOptions {
  /** `url` (default): a URL and a token callback; `supabase`: `functions.invoke`. */
  mode?: ClientMode;
  /** The fetch every request goes through, e.g. one that checks answers against the contract. */
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
  if (options.mode === 'supabase') {
    if (options.token) {
      // supabase-js's own hook for a token from elsewhere, read before every request.
      const supabase = createClient(stack.apiUrl, stack.anonKey, {
        accessToken: async () => (await token()) ?? null,
        global: { fetch: options.fetch },
      });
      return createModulesClient({ supabase });
    }
    return createModulesClient({
      supabase: supabaseFor(persona(), options.fetch),
    });
  }
  return createModulesClient({
    url: stack.apiUrl,
    apiKey: stack.anonKey,
    accessToken: token,
    fetch: options.fetch,
  });
}
