/**
 * Watches a project's `supabase/` folder for what the running stack reacts to: function code
 * (a function's folder, or shared code under `functions/_*` that every function may import),
 * module files (`modules/*.json`), `config.toml` and new migrations.
 */

/** What changed in a burst of file events. */
export interface ProjectChanges {
  /** Function folders touched: created, edited or removed. */
  functions: Set<string>;
  /** Code every function may use changed (`functions/_shared/…`, files beside the folders). */
  shared: boolean;
  /** Absolute paths of `supabase/modules/*.json` files written, created or removed. */
  modules: Set<string>;
  config: boolean;
  /** Absolute paths of migration files written, created or removed. */
  migrations: Set<string>;
}

export interface WatchHandlers {
  /** Right away, for every batch of events (e.g. to hold requests to a function being edited). */
  onEvent?: (changes: ProjectChanges) => void;
  /** Once the files have been quiet for `quietMs`, with everything since the last call. */
  onSettled: (changes: ProjectChanges) => void | Promise<void>;
}

/** Editors' swap, backup and probe files, which never hold code. */
const SCRATCH = /(^\.|~$|\.sw[a-p]$|^\d+$|^#.*#$)/;

function empty(): ProjectChanges {
  return {
    functions: new Set(),
    shared: false,
    modules: new Set(),
    config: false,
    migrations: new Set(),
  };
}

function isEmpty(c: ProjectChanges): boolean {
  return !c.functions.size && !c.shared && !c.modules.size && !c.config && !c.migrations.size;
}

/** Sorts the paths of one batch of events (paths under `supabaseDir`) into changes. */
export function classify(supabaseDir: string, paths: string[]): ProjectChanges {
  const changes = empty();
  for (const path of paths) {
    if (!path.startsWith(`${supabaseDir}/`)) continue;
    const parts = path.slice(supabaseDir.length + 1).split('/');
    const base = parts[parts.length - 1];
    if (SCRATCH.test(base)) continue;
    if (parts[0] === 'functions' && parts.length >= 2) {
      // Function names are slugs; anything else there (`_shared/`, a deno.json) is for all.
      if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(parts[1])) changes.functions.add(parts[1]);
      else changes.shared = true;
    } else if (parts[0] === 'modules' && parts.length === 2 && base.endsWith('.json')) {
      changes.modules.add(path);
    } else if (parts[0] === 'config.toml' && parts.length === 1) {
      changes.config = true;
    } else if (parts[0] === 'migrations' && parts.length === 2 && base.endsWith('.sql')) {
      changes.migrations.add(path);
    }
  }
  return changes;
}

function merge(into: ProjectChanges, from: ProjectChanges): void {
  for (const f of from.functions) into.functions.add(f);
  for (const m of from.modules) into.modules.add(m);
  for (const m of from.migrations) into.migrations.add(m);
  into.shared ||= from.shared;
  into.config ||= from.config;
}

/**
 * Watches `<project>/supabase` (recursively, with `Deno.watchFs`) until `close()`. Handlers run one
 * at a time; changes made while `onSettled` runs are reported by its next call.
 */
export function watchProject(
  project: string,
  handlers: WatchHandlers,
  quietMs = 150,
): { close(): void } {
  const supabaseDir = `${project}/supabase`;
  const watcher = Deno.watchFs(supabaseDir, { recursive: true });
  let pending = empty();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settling = Promise.resolve();

  const settle = () => {
    timer = undefined;
    const changes = pending;
    pending = empty();
    settling = settling.then(() => handlers.onSettled(changes)).catch((error) => {
      console.error(`error: reacting to file changes failed: ${error?.message ?? error}`);
    });
  };

  (async () => {
    for await (const event of watcher) {
      if (event.kind === 'access') continue;
      const changes = classify(supabaseDir, event.paths);
      if (isEmpty(changes)) continue;
      handlers.onEvent?.(changes);
      merge(pending, changes);
      clearTimeout(timer);
      timer = setTimeout(settle, quietMs);
    }
  })().catch(() => {});

  return {
    close() {
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
