/**
 * `deno task jwt [user-id] [--expires-in seconds] [--role role] [--email address]`: prints a user
 * access token signed with the local JWT secret, shaped like one from Supabase Auth. Without a
 * user id, a random one is used (printed to stderr).
 */
import { parseArgs } from 'node:util';
import { mintUserJwt } from './stack/jwt.ts';

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    'expires-in': { type: 'string', default: '3600' },
    role: { type: 'string', default: 'authenticated' },
    email: { type: 'string' },
  },
});
const sub = positionals[0] ?? crypto.randomUUID();
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub)) {
  console.error(`error: the user id must be a UUID, got "${sub}"`);
  Deno.exit(1);
}
if (!positionals[0]) console.error(`user id: ${sub}`);
console.log(
  await mintUserJwt({
    sub,
    role: values.role,
    email: values.email,
    expiresIn: Number(values['expires-in']),
  }),
);
