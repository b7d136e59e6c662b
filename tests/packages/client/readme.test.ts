/**
 * The README's "Typed client" snippets compile against the client as it is: each ```ts block is
 * written to a file of its own and type-checked with the repository's configuration, React
 * Native's packages replaced by declarations of the parts the snippet uses. (Not in tests/unit:
 * it runs `deno check`.)
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/** The ```ts blocks of the README's `## Typed client` section. */
async function snippets(): Promise<string[]> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const start = readme.indexOf('\n## Typed client\n');
  assert.ok(start >= 0, 'the README has a "Typed client" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Stand-ins for React Native's packages, typed as the snippets use them. */
const STUBS: Record<string, string> = {
  'react-native-url-polyfill/auto': 'export {};\n',
  '@react-native-async-storage/async-storage': `
    const AsyncStorage: {
      getItem(key: string): Promise<string | null>;
      setItem(key: string, value: string): Promise<void>;
      removeItem(key: string): Promise<void>;
    } = null!;
    export default AsyncStorage;
  `,
  'react-native': `
    export const AppState: {
      addEventListener(type: 'change', listener: (state: 'active' | 'background' | 'inactive') => void): void;
    } = null!;
  `,
};

Deno.test('the README typed-client snippets type-check', async () => {
  const blocks = await snippets();
  assert.ok(blocks.length >= 4, `found ${blocks.length} ts snippets`);
  const dir = await Deno.makeTempDir({ prefix: 'readme-client-' });
  try {
    const { imports } = JSON.parse(await Deno.readTextFile(`${ROOT}/import_map.json`)) as {
      imports: Record<string, string>;
    };
    const map: Record<string, string> = {};
    for (const [name, target] of Object.entries(imports)) {
      map[name] = target.startsWith('./') ? `${ROOT}/${target.slice(2)}` : target;
    }
    for (const [i, [name, source]] of Object.entries(STUBS).entries()) {
      await Deno.writeTextFile(`${dir}/stub${i}.ts`, source);
      map[name] = `${dir}/stub${i}.ts`;
    }
    await Deno.copyFile(
      `${ROOT}/packages/client/src/module-settings.ts`,
      `${dir}/module-settings.ts`,
    );
    await Deno.writeTextFile(`${dir}/import_map.json`, JSON.stringify({ imports: map }));
    const files = [];
    for (const [i, block] of blocks.entries()) {
      files.push(`${dir}/snippet${i}.ts`);
      await Deno.writeTextFile(files[i], block);
    }
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        'check',
        '--config',
        `${ROOT}/deno.json`,
        '--import-map',
        `${dir}/import_map.json`,
        ...files,
      ],
      cwd: ROOT,
      stdout: 'null',
      stderr: 'piped',
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
