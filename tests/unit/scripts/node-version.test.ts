/** The Node.js version check of `npm run dev` / `npm test` (scripts/node-version.mjs). */
import assert from 'node:assert/strict';
import { nodeVersionProblem } from '../../../scripts/node-version.mjs';

Deno.test('Node version check accepts the minimum and newer, refuses older, in one line', () => {
  assert.deepEqual(nodeVersionProblem('20.0.0', '>=20'), undefined);
  assert.deepEqual(nodeVersionProblem('20.20.2', '>=20'), undefined);
  assert.deepEqual(nodeVersionProblem('v22.1.0', '>=20.17.0'), undefined);
  assert.deepEqual(nodeVersionProblem('20.17.0', '>=20.17'), undefined);
  for (
    const [version, range] of [['18.20.4', '>=20'], ['20.16.9', '>=20.17.0'], ['4.9.1', '>=20']]
  ) {
    const problem = nodeVersionProblem(version, range);
    assert.match(
      problem ?? '',
      new RegExp(
        `^Node\\.js ${
          version.replaceAll('.', '\\.')
        } is too old: this project needs Node\\.js ${range}`,
      ),
    );
    assert.doesNotMatch(problem!, /\n/);
  }
  assert.match(nodeVersionProblem('22.0.0', '^22') ?? '', /expected the form >=MAJOR/);
  assert.match(nodeVersionProblem('22.0.0', undefined as unknown as string) ?? '', /engines\.node/);
});
