/**
 * The client registry port: API clients per organization. Every implementation (in memory here;
 * file or Redis elsewhere) must pass {@link clientStoreContract} unchanged.
 *
 * @module
 */
import type { ApiClient } from './api-client.ts'

/**
 * Where API clients live, per organization. Reads answer the latest write; a store that cannot
 * answer rejects (the issuer then answers 503, never `invalid_client`).
 *
 * @example
 * ```ts
 * const store: ClientStore = createInMemoryClientStore()
 * await store.put('12345', defineApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: pem } }))
 * const client = await store.get('12345', 'reporting')
 * ```
 */
export interface ClientStore {
  /** The client, or `undefined` when the organization has none by that ID. */
  get(orgId: string, clientId: string): Promise<ApiClient | undefined>
  /** The organization's clients, ordered by client ID. */
  list(orgId: string): Promise<readonly ApiClient[]>
  /** Adds or replaces a client. */
  put(orgId: string, client: ApiClient): Promise<void>
  /** Removes a client; answers whether it existed. */
  delete(orgId: string, clientId: string): Promise<boolean>
  /**
   * Optional: the organization's current API roles (role name → the API resource categories it
   * grants), `undefined` when the store has no such organization. When a store has it, the issuer
   * reads it on every token request instead of the `organization.apiRoles` and
   * `apiRoleCategories` it was built with, so roles an admin changes take effect at once.
   * `createOrganizationClientStore` has it.
   */
  apiRolesOf?(orgId: string): Promise<Readonly<Record<string, readonly string[]>> | undefined>
}

/**
 * A {@link ClientStore} in memory (tests, `tokenward issuer serve`, single-process deployments).
 *
 * @example
 * ```ts
 * const store = createInMemoryClientStore([['12345', client]])
 * ```
 */
export function createInMemoryClientStore(initial: Iterable<readonly [orgId: string, client: ApiClient]> = []): ClientStore {
  const byOrg = new Map<string, Map<string, ApiClient>>()
  const org = (orgId: string): Map<string, ApiClient> => {
    let clients = byOrg.get(orgId)
    if (clients === undefined) byOrg.set(orgId, (clients = new Map()))
    return clients
  }
  for (const [orgId, client] of initial) org(orgId).set(client.clientId, client)
  return {
    get: async (orgId, clientId) => byOrg.get(orgId)?.get(clientId),
    list: async (orgId) => [...(byOrg.get(orgId)?.values() ?? [])].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0)),
    put: async (orgId, client) => void org(orgId).set(client.clientId, client),
    delete: async (orgId, clientId) => byOrg.get(orgId)?.delete(clientId) ?? false,
  }
}

/**
 * One case of {@link clientStoreContract}: throws (any error) when the store breaks the contract.
 *
 * @example
 * ```ts
 * const [first]: readonly ClientStoreContractCase[] = clientStoreContract
 * await first!.run(createInMemoryClientStore())
 * ```
 */
export interface ClientStoreContractCase {
  readonly name: string
  readonly run: (store: ClientStore) => Promise<void>
}

const sample = (clientId: string, roles: readonly string[] = ['ReadOnly']): ApiClient => ({
  clientId,
  name: clientId,
  description: '',
  enabled: true,
  roles,
  authentication: { method: 'private_key_jwt', jwksUrl: 'https://keys.example.com/jwks.json' },
})

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}

/**
 * The contract every {@link ClientStore} implementation passes, framework-neutral: run each case
 * on a fresh, empty store with your test runner.
 *
 * @example
 * ```ts
 * import { clientStoreContract, createInMemoryClientStore } from '@tokenward/issuer'
 * for (const c of clientStoreContract) test(c.name, () => c.run(createInMemoryClientStore()))
 * ```
 */
export const clientStoreContract: readonly ClientStoreContractCase[] = [
  {
    name: 'an empty store has no clients',
    run: async (store) => {
      expectEqual(await store.get('1', 'a'), undefined, 'get')
      expectEqual(await store.list('1'), [], 'list')
      expectEqual(await store.delete('1', 'a'), false, 'delete')
    },
  },
  {
    name: 'put then get answers the client; a second put replaces it',
    run: async (store) => {
      await store.put('1', sample('a'))
      expectEqual(await store.get('1', 'a'), sample('a'), 'get after put')
      await store.put('1', sample('a', ['Admin']))
      expectEqual(await store.get('1', 'a'), sample('a', ['Admin']), 'get after replace')
    },
  },
  {
    name: 'organizations are isolated: a client of one is invisible to another',
    run: async (store) => {
      await store.put('1', sample('a'))
      expectEqual(await store.get('2', 'a'), undefined, 'other organization get')
      expectEqual(await store.list('2'), [], 'other organization list')
      expectEqual(await store.delete('2', 'a'), false, 'other organization delete')
      expectEqual(await store.get('1', 'a'), sample('a'), 'still there')
    },
  },
  {
    name: 'list is ordered by client ID',
    run: async (store) => {
      for (const id of ['c', 'a', 'b']) await store.put('1', sample(id))
      expectEqual((await store.list('1')).map((c) => c.clientId), ['a', 'b', 'c'], 'order')
    },
  },
  {
    name: 'delete removes the client and answers true once',
    run: async (store) => {
      await store.put('1', sample('a'))
      expectEqual(await store.delete('1', 'a'), true, 'first delete')
      expectEqual(await store.delete('1', 'a'), false, 'second delete')
      expectEqual(await store.get('1', 'a'), undefined, 'get after delete')
    },
  },
  {
    name: 'client IDs are compared exactly (case and punctuation matter)',
    run: async (store) => {
      await store.put('1', sample('Client.A'))
      expectEqual(await store.get('1', 'client.a'), undefined, 'other case')
      expectEqual((await store.get('1', 'Client.A'))?.clientId, 'Client.A', 'exact')
    },
  },
]
