/** Shared pieces of the resilience tests: a tenant with an owner, and the state to compare. */
import postgres from 'postgres';
import { mintUserJwt } from '../../scripts/stack/jwt.ts';

export interface Owner {
  userId: string;
  tenantId: string;
  token: string;
}

/** Creates a user who owns a fresh tenant, through a superuser connection. */
export async function createOwner(sql: postgres.Sql): Promise<Owner> {
  const userId = crypto.randomUUID();
  await sql`insert into auth.users (id, email) values (${userId}, ${`${userId}@example.test`})`;
  const [{ id: tenantId }] = await sql<{ id: string }[]>`
    insert into public.tenants (name) values (${`resilience ${userId.slice(0, 8)}`}) returning id`;
  await sql`
    insert into public.tenant_members (tenant_id, user_id, role)
    values (${tenantId}, ${userId}, 'owner')`;
  return { userId, tenantId, token: await mintUserJwt({ sub: userId }) };
}

/** Everything about a tenant's modules that a write could change, as one comparable string. */
export async function tenantState(sql: postgres.Sql, tenantId: string): Promise<string> {
  const rows = await sql`
    select module_id, enabled, settings, updated_at
    from public.tenant_modules where tenant_id = ${tenantId} order by module_id`;
  return JSON.stringify(rows);
}

/** Removes what `createOwner` made (tenant rows cascade). */
export async function dropOwner(sql: postgres.Sql, owner: Owner): Promise<void> {
  await sql`delete from public.tenants where id = ${owner.tenantId}`;
  await sql`delete from auth.users where id = ${owner.userId}`;
}

/** Percentile of a sorted list of numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** True for an RFC 9457 body whose status matches the response's. */
export function isProblem(body: unknown, status: number): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const p = body as Record<string, unknown>;
  return typeof p.type === 'string' && typeof p.title === 'string' && p.status === status &&
    typeof p.detail === 'string' && typeof p.code === 'string';
}
