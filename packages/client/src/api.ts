/**
 * The API's shapes, every one an alias into the types generated from the function's OpenAPI
 * document (openapi.ts, from packages/client/openapi.json): rows, pages, request bodies,
 * problems, and per operation the problem codes its responses declare.
 */
import type { components, operations } from './openapi.ts';

type Schemas = components['schemas'];

/** A catalog module at its current version, with its settings schema and requirements. */
export type CatalogModule = Schemas['CatalogModule'];
/** A module a tenant installed. */
export type TenantModule = Schemas['TenantModule'];
/** One entry of a tenant's module audit trail. */
export type TenantModuleEvent = Schemas['TenantModuleEvent'];
/** A page of events, newest first; `next_before` pages further back (null: the last page). */
export type EventsPage = Schemas['EventsPage'];
/** Events after a cursor, oldest first; poll again with `next_after`. */
export type EventsFeed = Schemas['EventsFeed'];
/** What uninstalling a module would affect. */
export type UninstallPreview = Schemas['UninstallPreview'];
/** An RFC 9457 problem as the API returns it. */
export type ApiProblem = Schemas['Problem'];
/** Every code the API answers a problem with. */
export type ApiProblemCode = ApiProblem['code'];
/** A requirement the tenant lacks (`missing_dependencies`). */
export type MissingDependency = Schemas['MissingDependency'];
/** An enabled module in the way (`required_by`, `upgrade_blocked`). */
export type Dependent = Schemas['Dependent'];

/** Request bodies. */
export type InstallRequest = Schemas['InstallRequest'];
export type EnabledRequest = Schemas['EnabledRequest'];
export type SettingsPatch = Schemas['SettingsPatch'];
export type UpgradeRequest = Schemas['UpgradeRequest'];

/** The operations, by operationId. */
export type OperationId = keyof operations;

type Responses<O extends OperationId> = operations[O]['responses'];

/** The problem bodies operation `O` declares, one per error status. */
export type ProblemOf<O extends OperationId> = {
  [S in keyof Responses<O>]: Responses<O>[S] extends
    { content: { 'application/problem+json': infer P } } ? P : never;
}[keyof Responses<O>];

/** Per operation, the problem codes its responses declare. */
export type OperationCodes = {
  [O in OperationId]: ProblemOf<O> extends { code?: unknown } ? NonNullable<ProblemOf<O>['code']>
    : never;
};

/** The settings of an installed module whose settings type is not known. */
export type AnySettings = TenantModule['settings'];

/** The OpenAPI document, as JSON. */
export type OpenApiDocument =
  operations['getOpenApiDocument']['responses'][200]['content']['application/json'];
