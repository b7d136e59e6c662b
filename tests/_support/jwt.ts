/**
 * Tokens for the tests, signed the way the run's key system signs (`stack.keys`, env.ts): HS256
 * with the JWT secret (`legacy`), or ES256 with the stack's signing key and its `kid` (`new`);
 * and tokens a client should never get past the gateway, PostgREST or the function with.
 */
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { type MintOptions, mintUserJwt } from '../../scripts/stack/jwt.ts';
import { loadSigningKeys, type SigningKey } from '../../scripts/stack/signing-keys.ts';
import { stack } from './env.ts';

const b64url = (value: string | Uint8Array) => {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, '').replace(/\+/g, '-')
    .replace(/\//g, '_');
};

let projectKey: Promise<SigningKey> | undefined;

/** The stack's signing key (the first of its file), with its private half. */
export function projectSigningKey(): Promise<SigningKey> {
  projectKey ??= loadSigningKeys(stack.signingKeysPath).then((keys) => keys[0]);
  return projectKey;
}

/** The stack's signing key's public half, as anyone can fetch it from the JWKS endpoint. */
export async function publishedKey(): Promise<JWK> {
  const res = await fetch(`${stack.apiUrl}/auth/v1/.well-known/jwks.json`);
  const { keys } = await res.json() as { keys: JWK[] };
  return keys[0];
}

/** A user token as the run's Auth would issue it: HS256 (`legacy`) or ES256 (`new`). */
export async function userJwt(options: MintOptions): Promise<string> {
  if (stack.keys === 'legacy') return await mintUserJwt(options);
  return await mintUserJwt({ signingKey: await projectSigningKey(), ...options });
}

/** An ES256 key that is not the project's, named `kid` (default: the project key's own kid). */
export async function strangerKey(kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const name = kid ?? (await projectSigningKey()).kid;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: name, alg: 'ES256' };
  return { kid: name, alg: 'ES256', privateKey: privateKey as CryptoKey, publicJwk };
}

/**
 * A token signed with a key that is not the project's: another secret (`legacy`), or another
 * ES256 key under the project key's `kid` (`new`).
 */
export async function foreignJwt(sub: string): Promise<string> {
  if (stack.keys === 'legacy') {
    return await mintUserJwt({
      sub,
      secret: 'another-secret-that-is-at-least-32-characters-long!!',
    });
  }
  return await mintUserJwt({ sub, signingKey: await strangerKey() });
}

/** A correctly signed token that expired a minute ago. */
export function expiredJwt(sub: string): Promise<string> {
  return userJwt({ sub, expiresIn: -60 });
}

/** An unsigned token (`alg: none`) carrying otherwise valid user claims. */
export function unsignedJwt(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub, role: 'authenticated', aud: 'authenticated', iat: now, exp: now + 3600 };
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${
    b64url(JSON.stringify(payload))
  }.`;
}

/** Signs `header` and `payload` given as JSON text, as is (e.g. with a member twice). */
export async function signRaw(
  header: string,
  payload: string,
  key: { secret: Uint8Array<ArrayBuffer> } | { signingKey: SigningKey },
): Promise<string> {
  const input = new TextEncoder().encode(`${b64url(header)}.${b64url(payload)}`);
  let signature: ArrayBuffer;
  if ('secret' in key) {
    const hmac = await crypto.subtle.importKey(
      'raw',
      key.secret,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    signature = await crypto.subtle.sign('HMAC', hmac, input);
  } else {
    const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
    signature = await crypto.subtle.sign(ecdsa, key.signingKey.privateKey, input);
  }
  return `${b64url(header)}.${b64url(payload)}.${b64url(new Uint8Array(signature))}`;
}

/** User claims of an unexpired token, as JSON text for `runSigned`. */
export function claimsText(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    sub,
    aud: 'authenticated',
    role: 'authenticated',
    iat: now,
    exp: now + 3600,
  });
}

/**
 * Signs `payload` (JSON text, as is) as the run signs (see `userJwt`); `editHeader` may rewrite
 * the header's JSON text first, e.g. to repeat a member.
 */
export async function runSigned(
  payload: string,
  editHeader: (header: string) => string = (header) => header,
): Promise<string> {
  if (stack.keys === 'legacy') {
    const header = editHeader(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    return await signRaw(header, payload, { secret: new TextEncoder().encode(stack.jwtSecret) });
  }
  const signingKey = await projectSigningKey();
  const header = editHeader(JSON.stringify({ alg: 'ES256', kid: signingKey.kid, typ: 'JWT' }));
  return await signRaw(header, payload, { signingKey });
}

/** The forms of a public key a confused verifier might take as an HMAC secret. */
export type PublicKeyForm = 'JWK' | 'PEM' | 'x';

/**
 * A token claiming HS256 (with the key's `kid`) whose "secret" is the project's public signing
 * key, as anyone can fetch it, in `form`: the JWK's JSON, its PEM (SPKI) or its `x` coordinate.
 */
export async function publicKeyAsSecretJwt(sub: string, form: PublicKeyForm): Promise<string> {
  const jwk = await publishedKey();
  const secret = form === 'JWK'
    ? JSON.stringify(jwk)
    : form === 'x'
    ? jwk.x!
    : await exportSPKI(await importJWK(jwk, 'ES256', { extractable: true }) as CryptoKey);
  const header = JSON.stringify({ alg: 'HS256', kid: jwk.kid, typ: 'JWT' });
  return await signRaw(header, claimsText(sub), { secret: new TextEncoder().encode(secret) });
}
