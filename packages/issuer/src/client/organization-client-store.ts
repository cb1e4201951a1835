/**
 * The issuer over the organization registry: a read-only `ClientStore` that reads API clients from
 * organization documents (the registry's `OrganizationStore` fits as is), so the token endpoint
 * serves the clients an organization's admins manage through the admin API.
 *
 * It takes a minimal reader instead of importing `@tokenward/registry`: the registry and the
 * issuer never import each other (both depend on `@tokenward/core`, whose
 * `@tokenward/core/organization` defines the document).
 *
 * @module
 */
import { apiClientsOf, isSubscriptionExpired, type Organization, type OrganizationApiClient } from '@tokenward/core/organization'
import { validateApiClient, type ApiClient } from './api-client.ts'
import type { ClientStore } from './client-store.ts'

/**
 * Reads one organization document; `@tokenward/registry`'s `OrganizationStore` (in memory, file,
 * Redis) is one.
 *
 * @example
 * ```ts
 * const reader: OrganizationReader = { get: async (orgId) => organizations.get(orgId) }
 * ```
 */
export interface OrganizationReader {
  get(orgId: string): Promise<Organization | undefined>
}

/**
 * Options of {@link createOrganizationClientStore}.
 *
 * @example
 * ```ts
 * const options: OrganizationClientStoreOptions = { organizations: store, clock: () => Date.now() }
 * ```
 */
export interface OrganizationClientStoreOptions {
  /** Where organizations are read (every lookup reads the current document). */
  readonly organizations: OrganizationReader
  /** Current time in milliseconds since the epoch, for the subscription check. Default `Date.now`. */
  readonly clock?: () => number
}

/**
 * A `ClientStore` over organization documents. A client reads as disabled (the token endpoint
 * answers `invalid_client`) when it is disabled, or when its organization is suspended or its
 * subscription has expired; its roles are only those that are still API roles of the
 * organization; a stored client that no longer passes the issuer's client rules reads as absent.
 * `put` and `delete` reject: clients change through the registry's admin API (one write path,
 * audited). Its `apiRolesOf` answers the organization's current API roles, which the issuer reads
 * on every token request: a role an admin adds later is granted without rebuilding the issuer. A
 * reader that throws makes the token endpoint answer 503, never `invalid_client`.
 *
 * @example
 * ```ts
 * import { createInMemoryOrganizationStore } from '@tokenward/registry'
 * import { createIssuer, createOrganizationClientStore } from '@tokenward/issuer'
 *
 * const store = createInMemoryOrganizationStore([acme])
 * const issuer = createIssuer({
 *   issuer: 'https://auth.example.com',
 *   organization: { cloud: 'zscloud', orgId: 'acme', cloudDomain: 'zscloud.net', apiRoles: Object.keys(acme.apiRoles) },
 *   clients: createOrganizationClientStore({ organizations: store }),
 * })
 * ```
 */
export function createOrganizationClientStore(options: OrganizationClientStoreOptions): ClientStore {
  if (typeof options !== 'object' || options === null || typeof options.organizations?.get !== 'function') {
    throw new TypeError('createOrganizationClientStore needs organizations: { get(orgId) } (an OrganizationStore fits)')
  }
  const { organizations } = options
  const clock = options.clock ?? Date.now
  const readOnly = (): Promise<never> => Promise.reject(new TypeError('API clients of the organization registry change through its admin API, not through the issuer'))
  return {
    async get(orgId, clientId) {
      const org = await organizations.get(orgId)
      if (org === undefined) return undefined
      const client = apiClientsOf(org).find((c) => c.clientId === clientId)
      return client === undefined ? undefined : toIssuerClient(org, client, clock())
    },
    async list(orgId) {
      const org = await organizations.get(orgId)
      if (org === undefined) return []
      const now = clock()
      return apiClientsOf(org)
        .map((c) => toIssuerClient(org, c, now))
        .filter((c): c is ApiClient => c !== undefined)
        .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
    },
    async apiRolesOf(orgId) {
      return (await organizations.get(orgId))?.apiRoles
    },
    put: readOnly,
    delete: readOnly,
  }
}

function toIssuerClient(org: Organization, client: OrganizationApiClient, nowMs: number): ApiClient | undefined {
  const active = org.suspension === undefined && !isSubscriptionExpired(org, Math.floor(nowMs / 1000))
  const a = client.authentication
  const authentication = a.method === 'client_secret' ? { method: 'client_secret', secretHashes: a.secrets.map((s) => s.hash) } : a
  const checked = validateApiClient({
    clientId: client.clientId,
    name: client.name,
    description: client.description,
    enabled: client.enabled && active,
    roles: client.roles.filter((role) => Object.hasOwn(org.apiRoles, role)),
    authentication,
  })
  return checked.ok ? checked.client : undefined
}
