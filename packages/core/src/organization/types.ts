/**
 * The organization model: a customer of the API owner, its API roles, its subscription, a possible
 * provider suspension, and at most two authorization servers of which at most one is enabled.
 * Plain JSON-compatible data, so stores can persist it as is.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import type { OrganizationApiClient } from './api-client.ts'

/**
 * Why the provider (the API owner) suspended an organization.
 *
 * @example
 * ```ts
 * const reason: SuspensionReason = 'api_call_threshold_exceeded'
 * ```
 */
export type SuspensionReason = 'api_call_threshold_exceeded' | 'terms_violation'

/**
 * A provider suspension: the organization's servers read as suspended and every server change is
 * refused (provider commands still apply).
 *
 * @example
 * ```ts
 * const suspension: Suspension = { reason: 'terms_violation', since: 1_700_000_000 }
 * ```
 */
export interface Suspension {
  readonly reason: SuspensionReason
  /** Seconds since the epoch. */
  readonly since: number
}

/**
 * An organization as stored.
 *
 * @example
 * ```ts
 * const org: Organization = {
 *   orgId: '12345', cloud: 'zscloud', cloudDomain: 'zscloud.net', apiRoles: { ReadOnly: ['reports'] },
 *   subscriptionValidUntil: 1_800_000_000, suspension: undefined, authorizationServers: [], revision: 0,
 * }
 * ```
 */
export interface Organization {
  readonly orgId: string
  /** The cloud name as it appears in scope values (`<cloud>::<orgId>::<role>`). */
  readonly cloud: string
  /** Domain used in audit admin IDs: `oauth-<role>$@<orgId>.<cloudDomain>`. */
  readonly cloudDomain: string
  /** API role name → the API resource categories that role may call. */
  readonly apiRoles: Readonly<Record<string, readonly string[]>>
  /** The subscription is valid until this time (seconds since the epoch, exclusive). */
  readonly subscriptionValidUntil: number
  readonly suspension: Suspension | undefined
  /** At most two; at most one with `enabled: true`. Order is insertion order. */
  readonly authorizationServers: readonly AuthorizationServerConfig[]
  /**
   * The organization's API clients (OneAPI), in insertion order. Absent in documents stored before
   * API clients existed: read it with `apiClientsOf(org)`, which answers `[]` then.
   */
  readonly apiClients?: readonly OrganizationApiClient[]
  /** Incremented by every accepted change; stores use it for optimistic concurrency. */
  readonly revision: number
}

/**
 * Who performs an admin change.
 *
 * @example
 * ```ts
 * const alice: Actor = { id: 'alice', permissions: [apiKeyManagementPermission] }
 * ```
 */
export interface Actor {
  /** Stable identifier for audit records (user ID, or the admin token's subject). */
  readonly id: string
  /** Permissions the actor holds; changes need {@link apiKeyManagementPermission}. */
  readonly permissions: readonly string[]
}

/**
 * The permission every authorization-server change requires.
 *
 * @example
 * ```ts
 * const canChange = actor.permissions.includes(apiKeyManagementPermission)
 * ```
 */
export const apiKeyManagementPermission = 'api_key_management'

/**
 * What a validation proved about a server's introspection connection: the endpoint it reached,
 * as which client, with which authentication method (never the secret or key itself).
 *
 * @example
 * ```ts
 * const validated: IntrospectionReceipt = { endpoint: 'https://as.example/introspect', clientId: 'tokenward-rs', authMethod: 'client_secret_basic' }
 * ```
 */
export interface IntrospectionReceipt {
  readonly endpoint: string
  readonly clientId: string
  readonly authMethod: string
}

/**
 * Proof that the admin UI's "Validate" succeeded for a server's remote sources — the JWKS URL,
 * the introspection connection, or both: required to add or edit a server that has either, for
 * exactly those URLs, client and TLS settings, and only for a limited time.
 *
 * @example
 * ```ts
 * const receipt: JwksValidationReceipt = {
 *   validationId: 'v1', orgId: '12345', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys',
 *   jwksCertificateValidation: true, trustedCertificates: [], validatedAt: now,
 * }
 * ```
 */
export interface JwksValidationReceipt {
  readonly validationId: string
  readonly orgId: string
  /** The JWKS URL validated; absent when only the introspection connection was validated. */
  readonly jwksUrl?: string | undefined
  /** The introspection connection validated; absent when the server has none. */
  readonly introspection?: IntrospectionReceipt | undefined
  /**
   * The discovery validated (the issuer and `discovery` exactly as the config gives them), when
   * the endpoints were read from the authorization server's metadata; absent otherwise.
   */
  readonly discovery?: { readonly issuer: string; readonly source: true | string } | undefined
  readonly jwksCertificateValidation: boolean
  /** The PEM CAs used, in order (must match the config's `trustedCertificates`). */
  readonly trustedCertificates: readonly string[]
  /** Seconds since the epoch. */
  readonly validatedAt: number
}
