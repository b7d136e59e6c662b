/**
 * `npm run dev` / `npm test` (scripts/npm-run.mjs) on an older Node.js: one line saying what is
 * needed, exit 1, nothing installed. The refusal end to end runs the real script under the real
 * `node`, from a copy whose package.json asks for a Node.js newer than that one. The check itself:
 * tests/unit/scripts/node-version.test.ts.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';
import { nodeVersionProblem } from '../../scripts/node-version.mjs';

const pkg = JSON.parse(await Deno.readTextFile(`${ROOT}/package.json`));

Deno.test('package.json engines.node is a range the check reads, and the README states it', async () => {
  const range: string = pkg.engines.node;
  assert.deepEqual(nodeVersionProblem('999.0.0', range), undefined);
  const major = /\d+/.exec(range)![0];
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  assert.match(readme, new RegExp(`\\*\\*Node\\.js ${major}\\+ with npm\\*\\*`));
});

Deno.test('npm-run.mjs refuses an older Node.js in one line before installing anything', async () => {
  const node = new TextDecoder().decode(
    (await new Deno.Command('node', { args: ['-p', 'process.versions.node'] }).output()).stdout,
  ).trim();
  const dir = await Deno.makeTempDir({ prefix: 'npm-run-' });
  try {
    await Deno.mkdir(`${dir}/scripts`);
    for (const file of ['npm-run.mjs', 'node-version.mjs']) {
      await Deno.copyFile(`${ROOT}/scripts/${file}`, `${dir}/scripts/${file}`);
    }
    const wanted = `>=${Number(node.split('.')[0]) + 1}`;
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ ...pkg, engines: { node: wanted } }, null, 2),
    );
    await Deno.copyFile(`${ROOT}/package-lock.json`, `${dir}/package-lock.json`);

    const out = await new Deno.Command('node', {
      args: [`${dir}/scripts/npm-run.mjs`, 'test'],
      cwd: dir,
      stdin: 'null',
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.deepEqual(out.code, 1, stderr);
    assert.deepEqual(new TextDecoder().decode(out.stdout), '');
    assert.deepEqual(
      stderr,
      `[test] Node.js ${node} is too old: this project needs Node.js ${wanted} ` +
        '(package.json "engines"); install a newer Node.js and run it again.',
    );
    await assert.rejects(() => Deno.stat(`${dir}/node_modules`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('npm-run.mjs keeps to syntax an old Node.js parses, so it can say what it needs', async () => {
  for (const file of ['npm-run.mjs', 'node-version.mjs']) {
    const source = await Deno.readTextFile(`${ROOT}/scripts/${file}`);
    assert.doesNotMatch(
      source,
      /^import .* from 'node:/m,
      `${file}: node: imports need Node 12.20+`,
    );
    const code = source
      .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
      .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
    for (
      const [syntax, pattern] of [['?.', /\?\.(?!\d)/], ['??', /\?\?/], ['||= &&=', /(\|\||&&)=/]]
    ) {
      assert.doesNotMatch(code, pattern as RegExp, `${file} uses ${syntax}`);
    }
  }
});
