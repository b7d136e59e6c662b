/**
 * One supervised process per edge function (scripts/stack/function-host.ts): started on a free
 * port, restarted when it crashes (the crash logged with the last lines of its log), and reloaded
 * on demand when its code changes, with requests held until the new host listens.
 */
import type { FunctionSetup } from './project.ts';
import {
  type Child,
  fileSize,
  freePort,
  lastLines,
  portInUse,
  spawn,
  waitUntil,
  type Watchdog,
} from './process.ts';

const HOST = new URL('./function-host.ts', import.meta.url).pathname;

/** A crash this soon after starting counts towards a crash loop. */
const QUICK_CRASH_MS = 5_000;

export interface FunctionHostOptions {
  name: string;
  /**
   * Its entrypoint and Deno configuration (project.ts `functionSetup`), asked again at every start
   * so that a new deno.json or config.toml entry applies from the next reload.
   */
  setup: () => FunctionSetup;
  logFile: string;
  env: Record<string, string>;
  watchdog?: Watchdog;
  /** Dev console messages (crashes, restarts, reloads). */
  log: (line: string) => void;
  /** Called whenever the host process changes (started, restarted, stopped). */
  onChange?: () => void;
}

interface Instance {
  child: Child;
  url: string;
  setup: FunctionSetup;
  /** When it started listening; undefined while it starts. */
  readyAt?: number;
  /** Stopped on purpose (a reload or the stack stopping): its exit is no crash. */
  stopping: boolean;
}

/** A function's host process, kept running. */
export class FunctionHost {
  #ready?: Promise<Instance>;
  #current?: Instance;
  #gate?: { promise: Promise<void>; open: () => void };
  #holds = 0;
  #reloads: Promise<void> = Promise.resolve();
  #quickCrashes = 0;
  #stopped = false;
  #logFile: Deno.FsFile;

  constructor(private readonly options: FunctionHostOptions) {
    this.#logFile = Deno.openSync(options.logFile, { append: true, create: true });
  }

  get name(): string {
    return this.options.name;
  }

  /** Pid of the running host, if any. */
  get pid(): number | undefined {
    return this.#current?.child.pid;
  }

  /** What identifies this host's process in `ps` (its entrypoint and port). */
  get marker(): string | undefined {
    const current = this.#current;
    return current && `${current.setup.entrypoint} ${new URL(current.url).port}`;
  }

  /** The setup the running host started with, if one runs. */
  get running(): FunctionSetup | undefined {
    return this.#current?.setup;
  }

  /**
   * The URL of a host running the current code: waits while a reload is pending and starts a
   * host when none runs. Rejects when the function cannot start.
   */
  async target(): Promise<string> {
    while (this.#gate) await this.#gate.promise;
    if (this.#stopped) throw new Error(`function ${this.name} is stopped`);
    this.#ready ??= this.#boot();
    return (await this.#ready).url;
  }

  /** Starts the host now (rather than at the first request); resolves once it listens. */
  async start(): Promise<void> {
    await this.target();
  }

  /** Its code changed: requests wait from now until `reload()` has a host on the new code. */
  hold(): void {
    this.#holds++;
    if (this.#gate) return;
    let open = () => {};
    const promise = new Promise<void>((r) => (open = r));
    this.#gate = { promise, open };
  }

  /** Stops the host running the old code and starts one on the new code. */
  reload(): Promise<void> {
    this.#reloads = this.#reloads.then(async () => {
      const upTo = this.#holds;
      await this.#stopInstance();
      if (this.#stopped) return;
      this.#ready = this.#boot();
      const booted = await this.#ready.then(() => true, () => false);
      if (booted) this.options.log(`function ${this.name}: reloaded`);
      if (this.#holds === upTo) this.#openGate();
    });
    return this.#reloads;
  }

  /** Appends a line to the function's log file. */
  note(line: string): void {
    try {
      this.#logFile.writeSync(new TextEncoder().encode(`${line}\n`));
    } catch { /* closed while stopping */ }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#openGate();
    await this.#reloads;
    await this.#stopInstance();
    this.#logFile.close();
  }

  #openGate(): void {
    this.#gate?.open();
    this.#gate = undefined;
  }

  async #stopInstance(): Promise<void> {
    const instance = this.#current;
    this.#ready = undefined;
    this.#current = undefined;
    if (!instance) return;
    instance.stopping = true;
    await instance.child.stop('SIGTERM', 3_000);
    this.options.onChange?.();
  }

  #boot(): Promise<Instance> {
    const { name, logFile, env, watchdog } = this.options;
    const setup = this.options.setup();
    const port = freePort();
    const logStart = fileSize(logFile);
    const child = spawn(
      `function ${name}`,
      [
        Deno.execPath(),
        'run',
        '--allow-all',
        '--quiet',
        // Packages come from the installed node_modules, whatever the function's deno.json says
        // (the edge runtime installs them itself): nothing is fetched when a host starts.
        '--node-modules-dir=manual',
        '--config',
        setup.config,
        ...(setup.importMap ? ['--import-map', setup.importMap] : []),
        HOST,
        setup.entrypoint,
        String(port),
      ],
      logFile,
      { ...env, NO_COLOR: '1' },
      { lifeline: true, watchdog },
    );
    const instance: Instance = { child, url: `http://127.0.0.1:${port}`, setup, stopping: false };
    this.#current = instance;
    const ready = waitUntil(`function ${name}`, () => portInUse(port), child, 120_000).then(
      () => {
        instance.readyAt = Date.now();
        this.options.onChange?.();
        return instance;
      },
      async (error: Error) => {
        await child.stop('SIGKILL');
        if (this.#ready === ready) this.#ready = undefined;
        if (this.#current === instance) this.#current = undefined;
        if (!instance.stopping) {
          const output = await lastLines(logFile, 15, logStart);
          this.options.log(
            `function ${name} failed to start (${error.message.replace(/:.*/s, '')})` +
              (output.length ? `; its output:\n${indent(output)}` : ''),
          );
        }
        throw error;
      },
    );
    ready.catch(() => {});
    child.exited.then((code) => this.#exited(instance, ready, code));
    return ready;
  }

  async #exited(instance: Instance, ready: Promise<Instance>, code: number): Promise<void> {
    if (instance.stopping || instance.readyAt === undefined) return;
    if (this.#ready === ready) this.#ready = undefined;
    if (this.#current === instance) this.#current = undefined;
    const quick = Date.now() - instance.readyAt < QUICK_CRASH_MS;
    this.#quickCrashes = quick ? this.#quickCrashes + 1 : 0;
    const last = await lastLines(this.options.logFile, 10);
    this.note(`[stack] the host of function ${this.name} exited unexpectedly (code ${code})`);
    const again = this.#quickCrashes < 2 && !this.#stopped;
    this.options.log(
      `function ${this.name} crashed (exit code ${code}); ` +
        (again ? 'restarting it' : 'twice right after starting, so it starts on the next request') +
        `. Last lines of ${this.options.logFile}:\n${indent(last)}`,
    );
    if (again) this.#ready ??= this.#boot();
    this.options.onChange?.();
  }
}

function indent(lines: string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}
