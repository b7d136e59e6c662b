/**
 * `createModulesClient`: one typed method per route of the `modules` edge function. Every method
 * resolves to `{ data, error }` and never rejects: see result.ts for what a network failure or an
 * answer that is not the API's becomes.
 */
import type {
  AnySettings,
  CatalogModule,
  EnabledRequest,
  EventsFeed,
  EventsPage,
  InstallRequest,
  OpenApiDocument,
  OperationCodes,
  SettingsPatch,
  TenantModule,
  UninstallPreview,
  UpgradeRequest,
} from './api.ts';
import type { MergePatch } from './json.ts';
import type { ModuleSettings } from './module-settings.ts';
import { path, query } from './paths.ts';
import { networkFailure, type Result, type SuccessBody, toResult } from './result.ts';
import {
  type AccessToken,
  type Fetch,
  fetchTransport,
  type RawRequest,
  type SupabaseFunctionsClient,
  supabaseTransport,
  type Transport,
} from './transport.ts';

/** With a supabase-js client: its session (or `accessToken` option) authenticates each call. */
export interface SupabaseClientOptions {
  supabase: SupabaseFunctionsClient;
  /**
   * Not here: calls go through `supabase.functions.invoke`, which uses the fetch given to
   * `createClient(url, key, { global: { fetch } })`. Give it there.
   */
  fetch?: never;
}

/** With a URL: the client sends the API key and the token `accessToken` gives per call. */
export interface UrlClientOptions {
  /** The project URL (`https://<ref>.supabase.co`), or its `/functions/v1`. */
  url: string;
  /** The project's anon or publishable key, sent as `apikey`. */
  apiKey: string;
  /**
   * Called before every request: the signed-in user's access token, or null for none (the
   * OpenAPI document needs none). Read it from where your app keeps a fresh one.
   */
  accessToken?: AccessToken;
  /** The fetch to call (default: the global one), e.g. to log, retry or check answers. */
  fetch?: Fetch;
  supabase?: never;
}

export type ModulesClientOptions = SupabaseClientOptions | UrlClientOptions;

/** Options every method takes. */
export interface RequestOptions {
  /** Aborts the request; the result is then a `network_error`. */
  signal?: AbortSignal;
}

/** A module id: one of the known modules (`S`), or any other string. */
export type ModuleId<S> = (keyof S & string) | (string & Record<never, never>);

/** The settings of module `M`: its type in `S`, or any JSON object for a module `S` lacks. */
export type SettingsOf<S, M extends string> = string extends M ? AnySettings
  : M extends keyof S ? S[M]
  : AnySettings;

/** An installed module `M`, its settings typed. */
export type TenantModuleOf<S, M extends string> =
  & Omit<TenantModule, 'module_id' | 'settings'>
  & { module_id: M; settings: SettingsOf<S, M> };

/**
 * The result of operation `O`, its problems carrying the codes the document declares for it, and
 * `unauthorized` on any (the gateway's own 401, see result.ts).
 */
export type ResultOf<O extends keyof OperationCodes, T> = Promise<
  Result<T, OperationCodes[O] | 'unauthorized'>
>;

export interface InstallOptions<T> extends RequestOptions {
  /** Settings to start with; the module's defaults fill in the rest. */
  settings?: Partial<T>;
  /** Install disabled (default: enabled). */
  enabled?: boolean;
  /** Also install the modules it requires that the tenant lacks, in one transaction. */
  withDependencies?: boolean;
}

export interface EventsOptions extends RequestOptions {
  /** Only this module's events. */
  moduleId?: string;
  /** At most this many (1 to 200, default 50). */
  limit?: number;
}

/** The client `createModulesClient` returns; `S` types each known module's settings. */
export interface ModulesClient<S extends object = ModuleSettings> {
  /** `GET /modules`: the active modules with their settings schemas and requirements. */
  listCatalog(
    options?: RequestOptions,
  ): ResultOf<'listCatalog', CatalogModule[]>;
  /** `GET /modules/openapi.json`: the API's OpenAPI document (needs no signed-in user). */
  getOpenApiDocument(
    options?: RequestOptions,
  ): ResultOf<'getOpenApiDocument', OpenApiDocument>;
  /** `GET /modules/tenants/{tenantId}`: the tenant's installed modules, by module id. */
  listTenantModules(
    tenantId: string,
    options?: RequestOptions,
  ): ResultOf<'listTenantModules', TenantModule[]>;
  /** `POST /modules/tenants/{tenantId}`: installs a module (owners and admins). */
  installModule<M extends ModuleId<S>>(
    tenantId: string,
    moduleId: M,
    options?: InstallOptions<SettingsOf<S, M>>,
  ): ResultOf<'installModule', TenantModuleOf<S, M>>;
  /** `GET /modules/tenants/{tenantId}/{moduleId}`: one installed module. */
  getTenantModule<M extends ModuleId<S>>(
    tenantId: string,
    moduleId: M,
    options?: RequestOptions,
  ): ResultOf<'getTenantModule', TenantModuleOf<S, M>>;
  /**
   * `PATCH /modules/tenants/{tenantId}/{moduleId}`: enables or disables it; disabling with
   * `cascade` also disables the enabled modules that require it.
   */
  setModuleEnabled<M extends ModuleId<S>>(
    tenantId: string,
    moduleId: M,
    enabled: boolean,
    options?: RequestOptions & { cascade?: boolean },
  ): ResultOf<'setModuleEnabled', TenantModuleOf<S, M>>;
  /**
   * `DELETE /modules/tenants/{tenantId}/{moduleId}`: uninstalls it (data `null`); `cascade` also
   * uninstalls the modules that require it, `purge` deletes the tenant's rows in the tables they
   * own.
   */
  uninstallModule(
    tenantId: string,
    moduleId: string,
    options?: RequestOptions & { cascade?: boolean; purge?: boolean },
  ): ResultOf<'uninstallModule', null>;
  /** `GET …/{moduleId}/uninstall-preview`: what uninstalling (with cascade, purge) would affect. */
  previewUninstall(
    tenantId: string,
    moduleId: string,
    options?: RequestOptions,
  ): ResultOf<'previewUninstall', UninstallPreview>;
  /**
   * `PATCH …/{moduleId}/settings`: merges a JSON merge patch (RFC 7396) into the settings: keys
   * merge recursively, `null` removes one, arrays and other values replace.
   */
  mergeSettings<M extends ModuleId<S>>(
    tenantId: string,
    moduleId: M,
    patch: MergePatch<SettingsOf<S, M>>,
    options?: RequestOptions,
  ): ResultOf<'mergeSettings', TenantModuleOf<S, M>>;
  /**
   * `POST …/{moduleId}/upgrade`: moves it to a published version (default: the current one),
   * migrating its settings.
   */
  upgradeModule<M extends ModuleId<S>>(
    tenantId: string,
    moduleId: M,
    options?: RequestOptions & { version?: string },
  ): ResultOf<'upgradeModule', TenantModuleOf<S, M>>;
  /**
   * `GET …/events`: the tenant's module events, newest first; pass the page's `next_before` as
   * `before` for the page before it (null: there is none).
   */
  listEvents(
    tenantId: string,
    options?: EventsOptions & { before?: number },
  ): ResultOf<'listEvents', EventsPage>;
  /**
   * `GET …/events?after=`: the events after a cursor, oldest first (0: from the start); poll
   * again with `next_after`. Events of transactions still in flight wait for the next poll.
   */
  pollEvents(
    tenantId: string,
    options: EventsOptions & { after: number },
  ): ResultOf<'listEvents', EventsFeed>;
}

/** The transport the options ask for. */
function transportFor(options: ModulesClientOptions): Transport {
  if ('supabase' in options && options.supabase) {
    return supabaseTransport(options.supabase);
  }
  const { url, apiKey, accessToken, fetch } = options as UrlClientOptions;
  return fetchTransport({ url, apiKey, accessToken, fetch });
}

/**
 * A client for the `modules` edge function, from a supabase-js client (`{ supabase }`) or a URL,
 * API key and access-token callback (`{ url, apiKey, accessToken }`). `S` maps module ids to
 * their settings types (default: the modules of this repository, module-settings.ts).
 */
export function createModulesClient<S extends object = ModuleSettings>(
  options: ModulesClientOptions,
): ModulesClient<S> {
  const transport = transportFor(options);
  // deno-lint-ignore no-explicit-any -- each method states its result type
  async function call<T = any>(
    request: RawRequest,
    expect: SuccessBody = 'json',
  ): Promise<Result<T, never>> {
    try {
      return toResult(await transport(request), expect);
    } catch (cause) {
      return networkFailure(cause);
    }
  }
  const tenant = (tenantId: string) => path`/modules/tenants/${tenantId}`;
  const installed = (tenantId: string, moduleId: string) =>
    path`/modules/tenants/${tenantId}/${moduleId}`;

  return {
    listCatalog: ({ signal } = {}) => call({ method: 'GET', path: '/modules', signal }),
    getOpenApiDocument: ({ signal } = {}) =>
      call({ method: 'GET', path: '/modules/openapi.json', signal }),
    listTenantModules: (tenantId, { signal } = {}) =>
      call({ method: 'GET', path: tenant(tenantId), signal }),
    installModule: (
      tenantId,
      moduleId,
      { signal, settings, enabled, withDependencies } = {},
    ) =>
      call({
        method: 'POST',
        path: tenant(tenantId),
        body: {
          module_id: moduleId,
          settings: settings as InstallRequest['settings'],
          enabled,
          with_dependencies: withDependencies,
        } satisfies InstallRequest,
        signal,
      }),
    getTenantModule: (tenantId, moduleId, { signal } = {}) =>
      call({ method: 'GET', path: installed(tenantId, moduleId), signal }),
    setModuleEnabled: (tenantId, moduleId, enabled, { signal, cascade } = {}) =>
      call({
        method: 'PATCH',
        path: installed(tenantId, moduleId) + query({ cascade }),
        body: { enabled } satisfies EnabledRequest,
        signal,
      }),
    uninstallModule: (tenantId, moduleId, { signal, cascade, purge } = {}) =>
      call(
        {
          method: 'DELETE',
          path: installed(tenantId, moduleId) + query({ cascade, purge }),
          signal,
        },
        'none',
      ),
    previewUninstall: (tenantId, moduleId, { signal } = {}) =>
      call({
        method: 'GET',
        path: `${installed(tenantId, moduleId)}/uninstall-preview`,
        signal,
      }),
    mergeSettings: (tenantId, moduleId, patch, { signal } = {}) =>
      call({
        method: 'PATCH',
        path: `${installed(tenantId, moduleId)}/settings`,
        body: patch as SettingsPatch,
        signal,
      }),
    upgradeModule: (tenantId, moduleId, { signal, version } = {}) =>
      call({
        method: 'POST',
        path: `${installed(tenantId, moduleId)}/upgrade`,
        body: { version } satisfies UpgradeRequest,
        signal,
      }),
    listEvents: (tenantId, { signal, moduleId, before, limit } = {}) =>
      call({
        method: 'GET',
        path: `${tenant(tenantId)}/events${query({ module_id: moduleId, before, limit })}`,
        signal,
      }),
    pollEvents: (tenantId, { signal, moduleId, after, limit }) =>
      call({
        method: 'GET',
        path: `${tenant(tenantId)}/events${query({ module_id: moduleId, after, limit })}`,
        signal,
      }),
  };
}
