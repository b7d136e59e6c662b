/**
 * Test data made through a superuser connection, as an operator would: users in auth.users,
 * two tenants and one user per persona. Every call makes fresh random ids, so test files can
 * share one stack and run in any order; `close()` deletes what was made.
 */
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '../../packages/database/src/types/database.ts';
import { checkContract, contractFetch, parseBody } from './contract.ts';
import { stack } from './env.ts';
import { userJwt } from './jwt.ts';

/** Signed-in users, relative to tenant A. */
export type Persona = 'owner' | 'admin' | 'member' | 'otherAdmin' | 'stranger';
/** Every caller the tests try: the personas and the anon key (no user at all). */
export type Who = Persona | 'anon';

export const PERSONAS: Persona[] = ['owner', 'admin', 'member', 'otherAdmin', 'stranger'];
export const EVERYONE: Who[] = [...PERSONAS, 'anon'];

export interface User {
  id: string;
  token: string;
}

/** A stored `tenant_modules` row, as the superuser sees it. */
export interface StoredRow {
  module_id: string;
  version: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  installed_at: Date;
  updated_at: Date;
}

export interface World {
  sql: postgres.Sql;
  /** Tenant A: owner, admin and member belong to it. */
  tenantId: string;
  /** Tenant B: otherAdmin administers it. */
  otherTenantId: string;
  users: Record<Persona, User>;
  /** The bearer token a persona sends; the anon (or publishable) key for `anon`. */
  token(who: Who): string;
  /** Installs a module for a tenant directly in the database (no RLS). */
  install(
    moduleId: string,
    options?: { tenantId?: string; settings?: Record<string, unknown>; enabled?: boolean },
  ): Promise<void>;
  /** One stored row, or undefined when the module is not installed. */
  row(moduleId: string, tenantId?: string): Promise<StoredRow | undefined>;
  /** The tenant's installed modules as stored, as one string for before/after comparisons. */
  state(tenantId?: string): Promise<string>;
  /** Adds a catalog module (removed by `close`), with a settings schema if given; returns its id. */
  catalogModule(options?: { active?: boolean; settingsSchema?: unknown }): Promise<string>;
  /** Deletes what the world made and closes the connection. */
  close(): Promise<void>;
}

/** A superuser connection to the stack's database. */
export function connect(): postgres.Sql {
  return postgres(stack.dbUrl, { max: 2, onnotice: () => {} });
}

/** Everything about a tenant's modules that a write could change, as one comparable string. */
export async function tenantState(sql: postgres.Sql, tenantId: string): Promise<string> {
  const rows = await sql`
    select module_id, version, enabled, settings, installed_at, updated_at
    from public.tenant_modules where tenant_id = ${tenantId} order by module_id`;
  return JSON.stringify(rows);
}

/** The keys of an installed module as every route returns it, sorted. */
export const ROW_KEYS = [
  'enabled',
  'installed_at',
  'module_id',
  'settings',
  'tenant_id',
  'updated_at',
  'version',
];

/** True for an RFC 9457 body whose status matches the response's. */
export function isProblem(body: unknown, status: number): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const p = body as Record<string, unknown>;
  return typeof p.type === 'string' && typeof p.title === 'string' && p.status === status &&
    typeof p.detail === 'string' && typeof p.code === 'string';
}

/**
 * Makes two tenants and one user per persona, through `sql` (by default a new connection to the
 * test stack; a test that runs a stack of its own passes a connection to it).
 */
export async function createWorld(sql: postgres.Sql = connect()): Promise<World> {
  const users = {} as Record<Persona, User>;
  for (const persona of PERSONAS) {
    const id = crypto.randomUUID();
    users[persona] = { id, token: await userJwt({ sub: id }) };
  }
  await sql`insert into auth.users ${
    sql(PERSONAS.map((p) => ({ id: users[p].id, email: `${p}-${users[p].id}@example.test` })))
  }`;
  const [a, b] = await sql<{ id: string }[]>`
    insert into public.tenants (name) values ('Tenant A'), ('Tenant B') returning id`;
  await sql`insert into public.tenant_members ${
    sql([
      { tenant_id: a.id, user_id: users.owner.id, role: 'owner' },
      { tenant_id: a.id, user_id: users.admin.id, role: 'admin' },
      { tenant_id: a.id, user_id: users.member.id, role: 'member' },
      { tenant_id: b.id, user_id: users.otherAdmin.id, role: 'admin' },
    ])
  }`;
  const modules: string[] = [];
  return {
    sql,
    tenantId: a.id,
    otherTenantId: b.id,
    users,
    token: (who) => who === 'anon' ? stack.anonKey : users[who].token,
    async install(moduleId, options = {}) {
      const settings = sql.json((options.settings ?? {}) as postgres.JSONValue);
      await sql`
        insert into public.tenant_modules (tenant_id, module_id, settings, enabled)
        values (${options.tenantId ?? a.id}, ${moduleId}, ${settings}, ${options.enabled ?? true})`;
    },
    async row(moduleId, tenantId = a.id) {
      const [row] = await sql<StoredRow[]>`
        select module_id, version, enabled, settings, installed_at, updated_at
        from public.tenant_modules where tenant_id = ${tenantId} and module_id = ${moduleId}`;
      return row;
    },
    state: (tenantId = a.id) => tenantState(sql, tenantId),
    async catalogModule(options = {}) {
      const id = `test-${crypto.randomUUID().slice(0, 8)}`;
      const schema = options.settingsSchema === undefined
        ? null
        : sql.json(options.settingsSchema as postgres.JSONValue);
      await sql`insert into public.modules (id, name, is_active, settings_schema)
        values (${id}, ${`Test ${id}`}, ${options.active ?? true}, ${schema})`;
      modules.push(id);
      return id;
    },
    async close() {
      await sql`delete from public.tenants where id in (${a.id}, ${b.id})`;
      await sql`delete from auth.users where id in ${sql(PERSONAS.map((p) => users[p].id))}`;
      if (modules.length) await sql`delete from public.modules where id in ${sql(modules)}`;
      await sql.end();
    },
  };
}

/** Runs `fn` with a fresh world and always cleans up after it. */
export async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const w = await createWorld();
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

/** What `api` returns: the status, the parsed JSON body (or null) and the headers. */
export interface ApiResponse {
  status: number;
  // deno-lint-ignore no-explicit-any -- response bodies are asserted on field by field
  body: any;
  headers: Headers;
}

export interface ApiOptions {
  token?: string;
  /** Sent as JSON (`content-type: application/json` unless `headers` says otherwise). */
  body?: unknown;
  /** Sent as is. */
  raw?: BodyInit;
  headers?: Record<string, string>;
}

/**
 * Calls the modules function over HTTP through the gateway, as a client would, and checks the
 * answer against the OpenAPI document (see contract.ts).
 */
export async function api(
  method: string,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const url = `${stack.apiUrl}/functions/v1/modules${path}`;
  const res = await fetch(url, { method, headers, body });
  const parsed = parseBody(await res.text());
  checkContract(method, url, res.status, res.headers, parsed);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A supabase-js client signed in with `token`, as a web or mobile client would hold it. */
export function clientFor(token: string): SupabaseClient<Database> {
  return createClient<Database>(stack.apiUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Answers of the modules function are checked against the OpenAPI document (contract.ts).
    global: { headers: { Authorization: `Bearer ${token}` }, fetch: contractFetch },
  });
}

/** Mints a user token with arbitrary claims, signed as the run signs, for the refusal tests. */
export { userJwt as mintUserJwt };

/** Asserts an `application/problem+json` response with this status and code. */
export function assertProblem(res: ApiResponse, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.ok(isProblem(res.body, status), JSON.stringify(res.body));
  assert.equal(res.body.code, code);
}
