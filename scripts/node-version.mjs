// The Node.js version check of `npm run dev` / `npm test` (scripts/npm-run.mjs).
// Plain syntax on purpose (no `?.`, `??`, `||=`): an old Node must parse this file to say what it
// needs instead of failing on a SyntaxError.

/**
 * Why `version` (e.g. process.versions.node) does not satisfy `range`, in one line, or undefined
 * when it does. `range` is package.json's `engines.node`, of the form `>=MAJOR[.MINOR[.PATCH]]`.
 * @param {string} version
 * @param {string} range
 * @returns {string | undefined}
 */
export function nodeVersionProblem(version, range) {
  const wanted = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range || '');
  if (!wanted) {
    return 'package.json "engines.node" is "' + range + '": expected the form >=MAJOR.MINOR.PATCH.';
  }
  const have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version || '');
  if (!have) return 'cannot read the Node.js version "' + version + '".';
  for (let i = 1; i <= 3; i++) {
    const a = Number(have[i]);
    const b = Number(wanted[i] || 0);
    if (a > b) return undefined;
    if (a < b) {
      return 'Node.js ' + have[0].replace(/^v/, '') + ' is too old: this project needs Node.js ' +
        range.trim() + ' (package.json "engines"); install a newer Node.js and run it again.';
    }
  }
  return undefined;
}
