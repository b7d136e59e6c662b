/** PostgREST and Postgres errors as problems (supabase/functions/_shared/postgrest-errors.ts). */
import assert from 'node:assert/strict';
import {
  ruleVerdict,
  upstreamError,
} from '../../../../supabase/functions/_shared/postgrest-errors.ts';
import { problemResponse } from '../../../../supabase/functions/_shared/problem.ts';

const CASES: [string, number, { code?: string; message?: string }, number, string][] = [
  [
    'a network failure (status 0)',
    0,
    { code: '', message: 'TypeError: fetch failed' },
    503,
    'upstream_unavailable',
  ],
  ['a 502 from the gateway', 502, { message: 'bad gateway' }, 503, 'upstream_unavailable'],
  [
    'PostgREST unable to connect (PGRST000)',
    503,
    { code: 'PGRST000' },
    503,
    'upstream_unavailable',
  ],
  [
    'PostgREST schema cache loading (PGRST002)',
    503,
    { code: 'PGRST002' },
    503,
    'upstream_unavailable',
  ],
  ['PGRST003 pool timeout even with a 504', 504, { code: 'PGRST003' }, 503, 'upstream_unavailable'],
  ['Postgres shutting down (57P01)', 503, { code: '57P01' }, 503, 'upstream_unavailable'],
  ['too many connections (53300)', 400, { code: '53300' }, 503, 'upstream_unavailable'],
  ['RLS refusal (42501)', 403, { code: '42501' }, 403, 'forbidden'],
  ['unique violation (23505)', 409, { code: '23505' }, 409, 'already_installed'],
  ['foreign key violation (23503)', 409, { code: '23503' }, 422, 'module_unavailable'],
  [
    'check violation (23514)',
    400,
    { code: '23514', message: 'tenant_modules_settings_object' },
    422,
    'invalid_settings',
  ],
  [
    'the settings size check (23514)',
    400,
    { code: '23514', message: 'violates check constraint "tenant_modules_settings_size"' },
    413,
    'payload_too_large',
  ],
  ['no row for .single() (PGRST116)', 406, { code: 'PGRST116' }, 404, 'not_found'],
  ['JWT refused by PostgREST (PGRST301)', 401, { code: 'PGRST301' }, 401, 'unauthorized'],
  ['JWT expired at PostgREST (PGRST303)', 401, { code: 'PGRST303' }, 401, 'unauthorized'],
  ['an unsupported Unicode escape (22P05)', 400, { code: '22P05' }, 400, 'invalid_request'],
  ['invalid JSON text (22P02)', 400, { code: '22P02' }, 400, 'invalid_request'],
  ['statement too complex (54001)', 400, { code: '54001' }, 400, 'invalid_request'],
];

for (const [what, status, error, expected, code] of CASES) {
  Deno.test(`upstreamError maps ${what} to ${expected} ${code}`, () => {
    const mapped = upstreamError(status, error);
    assert.equal(mapped.status, expected);
    assert.equal(mapped.code, code);
  });
}

Deno.test('upstreamError asks the client to retry a 503 after a second', () => {
  assert.deepEqual(upstreamError(0, { message: 'fetch failed' }).headers, { 'retry-after': '1' });
});

Deno.test('upstreamError reports an unknown upstream code as a 500 internal_error', () => {
  const log = console.error;
  console.error = () => {};
  try {
    const mapped = upstreamError(400, { code: 'XX999', message: 'surprise' });
    assert.equal(mapped.status, 500);
    assert.equal(mapped.code, 'internal_error');
    assert.doesNotMatch(mapped.detail, /surprise/, 'upstream messages are not echoed to clients');
  } finally {
    console.error = log;
  }
});

/** What PostgREST passes on from the module_versions migration's refusals (message, DETAIL). */
const VERDICTS: [
  string,
  number,
  { code: string; message: string; details?: string },
  number,
  string,
][] = [
  [
    'missing requirements (23503)',
    409,
    {
      code: '23503',
      message:
        'module "agency" 2.0.0 requires modules this tenant does not have enabled in range: crm ^1.2.0 (not installed)',
      details:
        '[{"range": "^1.2.0", "enabled": false, "module_id": "crm", "installed_version": null}]',
    },
    409,
    'missing_dependencies',
  ],
  [
    'a required module disabled or uninstalled (23503)',
    409,
    {
      code: '23503',
      message: 'module "crm" is required by enabled modules of this tenant: agency',
      details: '[{"range": "^1.2.0", "version": "1.0.0", "module_id": "agency"}]',
    },
    409,
    'required_by',
  ],
  [
    "an upgrade out of a dependent's range (23503)",
    409,
    {
      code: '23503',
      message: 'module "crm" cannot move to 2.0.0: agency requires ^1.2.0',
      details: '[{"range": "^1.2.0", "version": "1.0.0", "module_id": "agency"}]',
    },
    409,
    'upgrade_blocked',
  ],
  [
    'an unknown version (23503)',
    409,
    { code: '23503', message: 'module "crm" has no version 9.9.9' },
    422,
    'unknown_version',
  ],
  [
    'a downgrade (23514)',
    400,
    { code: '23514', message: 'module "crm" cannot be downgraded from 2.0.0 to 1.0.0' },
    409,
    'downgrade_not_supported',
  ],
  [
    'migrated settings that break the target schema (23514)',
    400,
    {
      code: '23514',
      message:
        'module "crm" cannot be upgraded to 2.0.0: the migrated settings do not fit its settings schema',
      details: '[{"path": "settings.limit", "message": "must be at most 3"}]',
    },
    409,
    'upgrade_blocked',
  ],
  [
    'a failing migration step (23514)',
    400,
    {
      code: '23514',
      message: 'step 2 of the migration to 2.0.0 failed: division by zero',
      details:
        '[{"path": "settings.each", "message": "step 2 of the migration to 2.0.0 failed: division by zero"}]',
    },
    409,
    'upgrade_blocked',
  ],
  [
    'invalid settings (23514)',
    400,
    {
      code: '23514',
      message: 'invalid settings for module "crm"',
      details: '[{"path": "settings.limit", "message": "must be at most 3"}]',
    },
    422,
    'invalid_settings',
  ],
  [
    'a purge that Row Level Security would leave half done (42501)',
    403,
    {
      code: '42501',
      message: 'Row Level Security kept 2 of 3 rows of public."crm deals" from being purged',
    },
    403,
    'purge_refused',
  ],
  [
    'a purge of a disabled module (22023, which PostgREST answers with a 400)',
    400,
    { code: '22023', message: 'module "crm" cannot be purged while it is disabled' },
    409,
    'module_disabled',
  ],
];

for (const [what, status, error, expected, code] of VERDICTS) {
  Deno.test(`ruleVerdict and upstreamError map ${what} to ${expected} ${code}`, () => {
    for (const mapped of [ruleVerdict(error), upstreamError(status, error)]) {
      assert.equal(mapped?.status, expected);
      assert.equal(mapped?.code, code);
    }
  });
}

Deno.test('ruleVerdict lists the missing dependencies from the DETAIL, and only their fields', async () => {
  const [, , error] = VERDICTS[0];
  const problem = await problemResponse(ruleVerdict(error)!).json();
  assert.deepEqual(problem.dependencies, [
    { module_id: 'crm', range: '^1.2.0', installed_version: null },
  ]);
  assert.equal('errors' in problem, false);
  assert.match(problem.detail, /"agency" 2\.0\.0 requires .*crm \^1\.2\.0 \(not installed\)/);
});

Deno.test('ruleVerdict lists the dependents in the way of a disable, an uninstall or an upgrade', () => {
  for (const [, , error] of VERDICTS.slice(1, 3)) {
    assert.deepEqual(ruleVerdict(error)?.members, {
      dependents: [{ module_id: 'agency', version: '1.0.0', range: '^1.2.0' }],
    });
  }
});

Deno.test('ruleVerdict lists the failing fields of a blocked upgrade as errors', () => {
  assert.deepEqual(ruleVerdict(VERDICTS[5][2])?.errors, [
    { path: 'settings.limit', message: 'must be at most 3' },
  ]);
  const step = ruleVerdict(VERDICTS[6][2])!;
  assert.equal(step.errors?.[0].path, 'settings.each');
  assert.match(step.detail, /^Step 2 of the settings migration to 2\.0\.0 failed/);
});

Deno.test('ruleVerdict reads a DETAIL defensively: bad JSON, wrong shapes and stray items', async (t) => {
  const message =
    'module "agency" 2.0.0 requires modules this tenant does not have enabled in range: crm ^1.2.0 (not installed)';
  const cases: [string, string | null | undefined, unknown[]][] = [
    ['no detail', undefined, []],
    ['a null detail', null, []],
    ['a detail that is not JSON', 'crm is missing', []],
    ['a JSON object instead of a list', '{"module_id": "crm"}', []],
    ['a list of scalars', '[1, "crm", null]', []],
    [
      'items with missing or mistyped fields among good ones',
      '[{"module_id": "crm"}, {"module_id": 1, "range": "^1"}, {"module_id": "crm", "range": "^1.0.0", "installed_version": 3}, {"module_id": "billing", "range": "*"}]',
      [{ module_id: 'billing', range: '*', installed_version: null }],
    ],
  ];
  for (const [what, details, expected] of cases) {
    await t.step(what, () => {
      const mapped = ruleVerdict({ code: '23503', message, details });
      assert.equal(mapped?.code, 'missing_dependencies');
      assert.deepEqual(mapped?.members?.dependencies, expected);
    });
  }
});

Deno.test('ruleVerdict leaves other errors alone: unknown messages, other SQLSTATEs', () => {
  assert.equal(ruleVerdict({ code: '23503', message: 'insert or update violates fk' }), undefined);
  assert.equal(
    ruleVerdict({ code: '42501', message: 'module "crm" has no version 2.0.0' }),
    undefined,
  );
  assert.equal(
    ruleVerdict({ code: '23514', message: 'module "crm" has no version 2.0.0' }),
    undefined,
    'the SQLSTATE must match too',
  );
  assert.equal(
    upstreamError(409, { code: '23503', message: 'insert or update violates fk' }).code,
    'module_unavailable',
  );
});

Deno.test('a purge refusal names the table and the rows kept; any other 42501 is forbidden', () => {
  const purge = ruleVerdict(VERDICTS.at(-2)![2])!;
  assert.match(purge.detail, /keep 2 of the tenant's 3 rows of public\."crm deals"/);
  assert.match(purge.detail, /nothing was purged or uninstalled/);
  const rls = {
    code: '42501',
    message: 'new row violates row-level security policy for table "x"',
  };
  assert.equal(ruleVerdict(rls), undefined);
  assert.equal(upstreamError(403, rls).code, 'forbidden');
});
