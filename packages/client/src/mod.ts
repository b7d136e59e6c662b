/**
 * A typed client for the module registry's `modules` edge function, for web, React Native and
 * Deno apps: `createModulesClient({ supabase })` or `createModulesClient({ url, apiKey,
 * accessToken })`, one method per route, each resolving to `{ data, error }`.
 *
 * @module
 */
export {
  createModulesClient,
  type EventsOptions,
  type InstallOptions,
  type ModuleId,
  type ModulesClient,
  type ModulesClientOptions,
  type RequestOptions,
  type ResultOf,
  type SettingsOf,
  type SupabaseClientOptions,
  type TenantModuleOf,
  type UrlClientOptions,
} from './client.ts';
export type {
  AnySettings,
  ApiProblem,
  ApiProblemCode,
  CatalogModule,
  Dependent,
  EventsFeed,
  EventsPage,
  MissingDependency,
  OpenApiDocument,
  OperationCodes,
  OperationId,
  ProblemOf,
  TenantModule,
  TenantModuleEvent,
  UninstallPreview,
} from './api.ts';
export type { components, operations, paths } from './openapi.ts';
export type { JsonObject, JsonValue, MergePatch } from './json.ts';
export type { ModuleSettings } from './module-settings.ts';
export type { ClientProblemCode, Problem, ProblemCode, Result } from './result.ts';
export type { Fetch, SupabaseFunctionsClient } from './transport.ts';
