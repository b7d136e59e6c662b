/**
 * The stack's JWT signing keys, as Supabase Auth's asymmetric keys: a JSON array of private JWKs in
 * the Supabase CLI's format (what `supabase gen signing-key` writes). They come from
 * `[auth] signing_keys_path` of supabase/config.toml when it is set (relative to `supabase/`, as
 * for the CLI), else from `signing_keys.json` in the stack's folder, generated (one ES256 key) at
 * the first start. Both places are kept out of git. The first key signs; every key verifies.
 */
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { parse as parseToml } from 'smol-toml';
import { StackError } from './process.ts';

/** One key of the set, ready to sign with. */
export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  /** The public half, as the JWKS endpoint publishes it. */
  publicJwk: JWK;
}

/** Members of a private JWK that are secret: never published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Where the signing keys of a stack running from `stackDir` live: `[auth] signing_keys_path` of
 * the project's config.toml (`configured: true`), else `<stackDir>/signing_keys.json`.
 */
export async function signingKeysPath(
  project: string,
  stackDir: string,
): Promise<{ path: string; configured: boolean }> {
  const config = parseToml(await Deno.readTextFile(`${project}/supabase/config.toml`)) as {
    auth?: { signing_keys_path?: string };
  };
  const configured = config.auth?.signing_keys_path;
  if (!configured) return { path: `${stackDir}/signing_keys.json`, configured: false };
  const path = configured.startsWith('/') ? configured : `${project}/supabase/${configured}`;
  return { path: path.replace(/\/\.\//g, '/'), configured: true };
}

/** A new ES256 key in the CLI's format: P-256, a UUID `kid`, `use: sig`. */
async function generateKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    ...(await exportJWK(privateKey)),
    kid: crypto.randomUUID(),
    alg: 'ES256',
    use: 'sig',
    key_ops: ['sign', 'verify'],
    ext: true,
  };
}

/** Writes a file of one new key unless one exists (two stacks starting at once agree on it). */
async function createKeyFile(path: string): Promise<void> {
  const text = `${JSON.stringify([await generateKey()], null, 2)}\n`;
  try {
    await Deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

async function importKey(jwk: JWK, path: string): Promise<SigningKey> {
  const { kid, alg } = jwk;
  if (typeof kid !== 'string' || !kid || (alg !== 'ES256' && alg !== 'RS256') || !jwk.d) {
    throw new StackError(
      `${path}: every key needs a "kid", "alg" ES256 or RS256 and its private part ("d").`,
    );
  }
  const publicJwk: Record<string, unknown> = { ...jwk, key_ops: ['verify'] };
  for (const member of PRIVATE_MEMBERS) delete publicJwk[member];
  // The file's `key_ops` name both halves' uses; WebCrypto imports a private key for `sign` only.
  const { key_ops: _ops, ...material } = jwk;
  const privateKey = await importJWK(material, alg) as CryptoKey;
  return { kid, alg: alg as SigningKey['alg'], privateKey, publicJwk: publicJwk as JWK };
}

/**
 * The keys in `path`; with `create`, a file of one new ES256 key is written first when there is
 * none. A missing or malformed file is a {@link StackError} of one line.
 */
export async function loadSigningKeys(
  path: string,
  options: { create?: boolean } = {},
): Promise<SigningKey[]> {
  if (options.create) await createKeyFile(path);
  let jwks: unknown;
  try {
    jwks = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? 'does not exist' : 'is not valid JSON';
    throw new StackError(`the JWT signing keys file ${path} ${why}`);
  }
  if (!Array.isArray(jwks) || jwks.length === 0) {
    throw new StackError(`${path} must hold a JSON array of at least one private JWK.`);
  }
  return await Promise.all(jwks.map((jwk) => importKey(jwk as JWK, path)));
}

/**
 * The signing keys of a stack running `project` from `stackDir` (see {@link signingKeysPath}): a
 * key is generated at the first start unless config.toml names a file, which must then exist.
 */
export async function stackSigningKeys(
  project: string,
  stackDir: string,
): Promise<{ keys: SigningKey[]; path: string }> {
  const { path, configured } = await signingKeysPath(project, stackDir);
  try {
    return { keys: await loadSigningKeys(path, { create: !configured }), path };
  } catch (error) {
    if (!(error instanceof StackError) || !configured) throw error;
    throw new StackError(
      `${error.message} ([auth] signing_keys_path in supabase/config.toml): create it with ` +
        `\`echo '[]' > ${path} && npx supabase gen signing-key --algorithm ES256\`, or remove ` +
        'that setting and the stack generates a key of its own.',
    );
  }
}

/** The public key set, as `/auth/v1/.well-known/jwks.json` serves it (no symmetric key). */
export function publicJwks(keys: SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => k.publicJwk) };
}

/**
 * What PostgREST verifies tokens with (its `jwt-secret`, as `supabase start` sets
 * `PGRST_JWT_SECRET`): the public keys and the legacy JWT secret as an `oct` key, so that it
 * accepts tokens signed either way.
 */
export function postgrestJwks(keys: SigningKey[], jwtSecret: string): JSONWebKeySet {
  const k = btoa(jwtSecret).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return { keys: [...publicJwks(keys).keys, { kty: 'oct', k }] };
}
