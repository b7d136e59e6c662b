-- Semantic versions and npm version ranges (migration 20261125210000_semver.sql): precedence,
-- which ranges are valid, which versions satisfy them (npm's prerelease rule included), 22023 for
-- an invalid version or range, and who may call them (signed-in users and service_role, not anon).
-- tests/database/semver_agreement.test.ts compares them with npm's semver package at length.
begin;
\ir fixtures/personas.psql
select plan(30);

-- precedence ---------------------------------------------------------------------------------
select is(private.semver_compare('1.0.0', '2.0.0'), -1, 'a lower major should come first');
select is(private.semver_compare('2.10.0', '2.9.0'), 1,
  'numbers should compare as numbers, not as text');
select is(private.semver_compare('1.0.0-alpha', '1.0.0'), -1,
  'a prerelease should come before its release');
select is(private.semver_compare('1.0.0+build.1', '1.0.0+build.2'), 0,
  'build metadata should be ignored');
select is(
  array(select v from unnest(array['1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-alpha.beta',
          '1.0.0-beta', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-alpha']) as u (v)
        order by (select count(*) from unnest(array['1.0.0', '1.0.0-rc.1', '1.0.0-beta.11',
          '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-alpha']) as w (v)
          where private.semver_compare(w.v, u.v) < 0)),
  array['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
        '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'],
  'versions should sort as in the example of semver.org 2.0.0, section 11');

-- ranges -------------------------------------------------------------------------------------
select is(private.semver_range_problem('^1.2.0'), null, 'a caret range should be valid');
select is(private.semver_range_problem('>=1.2.3 <2.0.0 || 3.x || 4.1.0 - 4.2'), null,
  'comparators, an X-range and a hyphen range joined with || should be valid');
select is(private.semver_range_problem(''), null, 'the empty range should be valid (it is *)');
select is(private.semver_range_problem('^1.x.y'),
  '"^1.x.y" is not a version range: "^1.x.y" is neither a version (1.2.3), a partial version (1.2, 1.x), a comparator (>=1.2.3) nor a tilde or caret range (~1.2.3, ^1.2.3)',
  'a malformed range should be named with what is wrong');
select is(private.semver_range_problem('1.x.3'),
  '"1.x.3" is not a version range: in "1.x.3" a number follows a wildcard',
  'a number after a wildcard should be refused');

-- satisfying a range -------------------------------------------------------------------------
select is(private.semver_satisfies('1.4.0', '^1.2.0'), true, '^1.2.0 should admit 1.4.0');
select is(private.semver_satisfies('2.0.0', '^1.2.0'), false, '^1.2.0 should not admit 2.0.0');
select is(private.semver_satisfies('0.2.5', '^0.2.3'), true, '^0.2.3 should admit 0.2.5');
select is(private.semver_satisfies('0.3.0', '^0.2.3'), false,
  '^0.2.3 should not admit 0.3.0 (below 1.0.0 the minor is breaking)');
select is(private.semver_satisfies('1.2.9', '~1.2.3'), true, '~1.2.3 should admit 1.2.9');
select is(private.semver_satisfies('2.3.4', '1.2.3 - 2.3.4'), true,
  'a hyphen range should include its upper bound');
select is(private.semver_satisfies('1.2.3-beta.4', '^1.2.3-beta.2'), true,
  'a later prerelease of the named major.minor.patch should be admitted');
select is(private.semver_satisfies('1.2.4-beta.2', '^1.2.3-beta.2'), false,
  'a prerelease of another major.minor.patch should not be admitted');
select is(private.semver_satisfies('1.0.0-rc.1', '*'), false, '* should not admit prereleases');
select is(
  private.semver_max_satisfying(array(select version from public.modules where id like 'zz\_%'), '<2'),
  '0.9.0', 'the highest catalog version below 2 should be found (2.1.0-beta.1 is above)');

-- invalid input ------------------------------------------------------------------------------
select throws_ok($$ select private.semver_compare('1.2', '1.2.0') $$, '22023',
  '"1.2" is not a semantic version', 'a partial version should be refused as a version');
select throws_ok($$ select private.semver_satisfies('v1.2.3', '^1') $$, '22023',
  '"v1.2.3" is not a semantic version', 'a version with a v should be refused, as the catalog does');
select throws_ok($$ select private.semver_satisfies('1.2.3', '^1.x.y') $$, '22023',
  '"^1.x.y" is not a version range: "^1.x.y" is neither a version (1.2.3), a partial version (1.2, 1.x), a comparator (>=1.2.3) nor a tilde or caret range (~1.2.3, ^1.2.3)',
  'an invalid range should be refused with what semver_range_problem says');
select throws_ok($$ select private.semver_max_satisfying(array['1.0.0'], '>=1 <') $$, '22023',
  null, 'semver_max_satisfying should refuse an invalid range too');

-- who may call them --------------------------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is(private.semver_satisfies('1.2.3', '^1'), true, 'a member should be able to test a range');
select is(private.semver_range_problem('^1'), null, 'a member should be able to check a range');
reset role;

select pg_temp.login_service_role();
select is(private.semver_compare('1.2.3', '1.2.4'), -1, 'service_role should be able to compare');
reset role;

select pg_temp.login_anon();
select throws_ok($$ select private.semver_satisfies('1.2.3', '^1') $$, '42501', null,
  'anon should not reach semver_satisfies');
select throws_ok($$ select private.semver_compare('1.2.3', '1.2.4') $$, '42501', null,
  'anon should not reach semver_compare');
select throws_ok($$ select private.semver_range_problem('^1') $$, '42501', null,
  'anon should not reach semver_range_problem');
reset role;

select * from finish();
rollback;
