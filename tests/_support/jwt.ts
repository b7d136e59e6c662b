/** Tokens a client should never get past the gateway or PostgREST with. */
import { mintUserJwt } from '../../scripts/stack/jwt.ts';

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** An unsigned token (`alg: none`) carrying otherwise valid user claims. */
export function unsignedJwt(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub, role: 'authenticated', aud: 'authenticated', iat: now, exp: now + 3600 };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

/** A token signed with a secret that is not the project's. */
export function foreignJwt(sub: string): Promise<string> {
  return mintUserJwt({ sub, secret: 'another-secret-that-is-at-least-32-characters-long!!' });
}

/** A correctly signed token that expired a minute ago. */
export function expiredJwt(sub: string): Promise<string> {
  return mintUserJwt({ sub, expiresIn: -60 });
}
