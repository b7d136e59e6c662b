/**
 * The API's shapes: rows, pages, problems, and per operation the problem codes it can answer
 * with. PROVISIONAL, written by hand from the routes until the function's OpenAPI document lands;
 * then every type here is an alias into the types generated from it (openapi.ts).
 */
import type { JsonObject, JsonValue } from './json.ts';

/** A catalog module at its current version. */
export interface CatalogModule {
  id: string;
  name: string;
  description: string | null;
  version: string;
  is_active: boolean;
  /** The JSON Schema (2020-12) of the module's settings; null when any object goes. */
  settings_schema: JsonValue;
  /** The modules it requires: module id → semver range. */
  requires: { [moduleId: string]: string };
}

/** A module a tenant installed. */
export interface TenantModule {
  tenant_id: string;
  module_id: string;
  version: string;
  enabled: boolean;
  settings: JsonObject;
  installed_at: string;
  updated_at: string;
}

/** One entry of a tenant's module audit trail. */
export interface TenantModuleEvent {
  id: number;
  tenant_id: string;
  module_id: string;
  event: string;
  version: string | null;
  actor: string | null;
  actor_role: string;
  occurred_at: string;
  change: JsonValue;
}

/** A page of events, newest first; `next_before` pages further back (null: the last page). */
export interface EventsPage {
  events: TenantModuleEvent[];
  next_before: number | null;
}

/** Events after a cursor, oldest first; poll again with `next_after`. */
export interface EventsFeed {
  events: TenantModuleEvent[];
  next_after: number;
}

/** What uninstalling a module would affect. */
export interface UninstallPreview {
  module_id: string;
  version: string;
  /** The enabled modules that require it: a plain uninstall is refused while they are there. */
  dependents: { module_id: string; version: string }[];
  /** Per table the affected modules own, the tenant's rows a purge deletes. */
  tables: { module_id: string; table: string; rows: number }[];
}

/** Every code the API answers a problem with. */
export type ApiProblemCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'purge_refused'
  | 'tenant_not_found'
  | 'module_not_installed'
  | 'not_found'
  | 'method_not_allowed'
  | 'already_installed'
  | 'missing_dependencies'
  | 'required_by'
  | 'upgrade_blocked'
  | 'downgrade_not_supported'
  | 'module_disabled'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'module_unavailable'
  | 'unknown_version'
  | 'invalid_settings'
  | 'internal_error'
  | 'upstream_unavailable'
  | 'auth_unavailable';

/** An RFC 9457 problem as the API returns it. */
export interface ApiProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ApiProblemCode;
  /** The offending fields: a JSON path into the request (`body.settings.x`, `params.tenantId`). */
  errors?: { path: string; message: string }[];
  /** The requirements the tenant lacks (`missing_dependencies`). */
  dependencies?: {
    module_id: string;
    range: string;
    installed_version: string | null;
  }[];
  /** The enabled modules in the way (`required_by`, `upgrade_blocked`). */
  dependents?: { module_id: string; version: string; range: string }[];
}

/** Codes any route can answer with. */
type Always =
  | 'unauthorized'
  | 'internal_error'
  | 'upstream_unavailable'
  | 'auth_unavailable';
/** Codes of any route under a tenant (an id that is not a UUID or a slug is a 400). */
type Tenant = Always | 'invalid_request' | 'tenant_not_found';
type Installed = Tenant | 'module_not_installed';
type Write = Installed | 'forbidden' | 'payload_too_large';

/** Per operation, the problem codes it can answer with. */
export interface OperationCodes {
  listCatalog: Always;
  getOpenApiDocument: 'internal_error';
  listTenantModules: Tenant;
  installModule:
    | Exclude<Write, 'module_not_installed'>
    | 'already_installed'
    | 'missing_dependencies'
    | 'module_unavailable'
    | 'invalid_settings';
  getTenantModule: Installed;
  setModuleEnabled:
    | Write
    | 'missing_dependencies'
    | 'required_by'
    | 'module_unavailable';
  uninstallModule: Write | 'required_by' | 'purge_refused' | 'module_disabled';
  previewUninstall: Installed | 'forbidden';
  mergeSettings: Write | 'invalid_settings';
  upgradeModule:
    | Write
    | 'upgrade_blocked'
    | 'downgrade_not_supported'
    | 'unknown_version'
    | 'missing_dependencies';
  listEvents: Tenant;
}

/** The OpenAPI document, as JSON. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: JsonValue };
  paths: { [path: string]: JsonValue };
  [key: string]: JsonValue;
}
