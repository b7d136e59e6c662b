/**
 * `deno task jwt [user-id] [--expires-in seconds] [--role role] [--email address] [--hs256]`:
 * prints a user access token shaped like one from Supabase Auth. By default it is ES256, signed
 * with the local stack's signing key (its `kid` in the header): `[auth] signing_keys_path` of
 * supabase/config.toml, else the key `deno task dev` generated in `<state>/dev/`. `--hs256` signs
 * with the legacy JWT secret instead. Without a user id, a random one is used (printed to stderr).
 */
import { parseArgs } from 'node:util';
import { mintUserJwt } from './stack/jwt.ts';
import { StackError } from './stack/process.ts';
import { devLocations } from './stack/project.ts';
import { loadSigningKeys, signingKeysPath } from './stack/signing-keys.ts';

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    'expires-in': { type: 'string', default: '3600' },
    role: { type: 'string', default: 'authenticated' },
    email: { type: 'string' },
    hs256: { type: 'boolean', default: false },
  },
});
const sub = positionals[0] ?? crypto.randomUUID();
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub)) {
  console.error(`error: the user id must be a UUID, got "${sub}"`);
  Deno.exit(1);
}

/** The dev stack's signing key; a one-line error when there is none yet. */
async function devSigningKey() {
  const { state, project } = devLocations();
  const { path, configured } = await signingKeysPath(project, `${state}/dev`);
  try {
    return (await loadSigningKeys(path))[0];
  } catch (error) {
    if (!(error instanceof StackError)) throw error;
    const hint = configured ? '' : ': start `npm run dev` once to generate it';
    console.error(`error: ${error.message}${hint}, or mint an HS256 token with --hs256.`);
    Deno.exit(1);
  }
}

const signingKey = values.hs256 ? undefined : await devSigningKey();
if (!positionals[0]) console.error(`user id: ${sub}`);
console.log(
  await mintUserJwt({
    sub,
    role: values.role,
    email: values.email,
    expiresIn: Number(values['expires-in']),
    signingKey,
  }),
);
