/**
 * The admin API: a framework-agnostic Web handler (`Request → Response`) for an organization's
 * admins to list, validate, add, edit, delete, enable and disable their authorization servers and
 * their API clients (rotating client secrets), and to manage their API roles, protected with
 * tokenward itself.
 *
 * Behaviour worth knowing (details in each operation's docs):
 * - Order of checks: route (404 `not_found`, 405 with `Allow`) → `authenticate` (its own answer,
 *   e.g. the verifier's 401 challenge) → `authorizeOrganization` and the organization ID (404
 *   `organization_not_found`) → body (415, 413, 400) → organization (404) → `If-Match` (412) →
 *   the organization rules (their 400/403/404/409) → compare-and-set write (409 `conflict`) →
 *   audit.
 * - Reads need the API Key Management permission too, and work while the organization is
 *   suspended or its subscription expired; changes (and "Validate") are then refused with 403.
 * - Bad input (400) is `invalid_request` for the envelope (with the config's issues alongside),
 *   `invalid_config` for the config alone, `invalid_json` for unparsable bodies; receipt problems
 *   are 400 too. Suspension and expiry are 403 (a state the admin cannot fix by retrying).
 * - DELETE answers 204, or 200 with `{ notices, revision }` when the server was in use, so the
 *   `clients_lose_access` notice is not lost.
 * - Lost revision races answer 409 `conflict`; only enable/disable (idempotent) retry once, and
 *   never with `If-Match`.
 * - A validation receipt is used up only by a change that was written; a refused save keeps it.
 * - Every answer has `cache-control: no-store`; writes and reads carry `ETag: "<revision>"`.
 *
 * @example
 * ```ts
 * import { adminAuthenticator, createAdminApi } from '@tokenward/registry'
 *
 * const api = createAdminApi({ store, receipts, audit, authenticate: adminAuthenticator({ verifier }), authorizeOrganization: null })
 * export default { fetch: api }
 * ```
 *
 * @module
 */
export { createAdminApi, type AdminApi } from './create-admin-api.ts'
export type { AdminApiOptions, AuthorizeOrganization } from './admin-api-options.ts'
export type { ValidateThrottleOptions } from './validate-throttle.ts'
export { adminAuthFailure, isAdminAuthFailure, type AdminAuthenticate, type AdminAuthFailure } from './admin-auth-failure.ts'
export { adminAuthenticator, type AdminAuthenticatorOptions } from './admin-authenticator.ts'
export type { AdminErrorBody } from './admin-response.ts'
export type { AdminOperation } from './admin-routes.ts'
export { defaultCrossTenantAuditBound, type AdminAccessDeniedEvent, type AdminAuditEvent, type CrossTenantAuditBound } from './cross-tenant-audit.ts'
export type { AuthorizationServerView } from './server-view.ts'
export type { AuthorizationServerList, OrganizationStateView } from './read-servers.ts'
export { adminRequestHeader, type CrossSiteGuardOptions, type CrossSiteRefusal } from './cross-site-guard.ts'
export type { ServerChangeBody } from './write-servers.ts'
export type { DiscoveryValidationReport, JwksValidationResult } from './validate-jwks-source.ts'
export { defaultMaxBodyBytes } from './read-json-body.ts'
export type { AuditLogEntry, AuditLogPage } from './list-audit-events.ts'
export type { ApiClientChangeBody, ApiClientList, ApiClientView } from './api-clients.ts'
export type { ApiRoleChangeBody, ApiRoleList, ApiRoleView } from './api-roles.ts'
export { createPbkdf2ClientSecretHasher, type ClientSecretHasher, type Pbkdf2ClientSecretHasherOptions } from './client-secret-hasher.ts'
