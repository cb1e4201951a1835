/**
 * The contract every `OrganizationStore` implementation must pass — the in-memory and file stores
 * here, and any store of your own (Redis, a database) — as one table of tests. Exported as
 * `@tokenward/registry/testing`; it runs on whatever test runner you hand it (vitest, jest, or
 * anything with `describe`, `it` and a jest-style `expect`).
 *
 * @module
 */
import { defineAuthorizationServer } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { isRegistryError } from '../errors.ts'
import type { OrganizationStore } from '../store/organization-store.ts'

/** The matchers the contract uses, as jest-style runners provide them. */
export interface ContractMatchers {
  toBe(expected: unknown): void
  toEqual(expected: unknown): void
  toBeUndefined(): void
  toHaveLength(length: number): void
  readonly not: ContractMatchers
}

/**
 * The few test-runner functions a contract suite needs: pass your runner's own.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest'
 * const runner: ContractTestRunner = { describe, it, expect }
 * ```
 */
export interface ContractTestRunner {
  describe(name: string, body: () => void): void
  it(name: string, body: () => Promise<void>): void
  readonly expect: ((actual: unknown) => ContractMatchers) & { any(constructor: unknown): unknown }
}

/** A realistic organization with one enabled authorization server. */
export function sampleOrganization(orgId = 'acme', revision = 1, overrides: Partial<Organization> = {}): Organization {
  return {
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['users:read'], Admin: ['users:read', 'users:write'] },
    subscriptionValidUntil: 2_000_000_000,
    suspension: undefined,
    authorizationServers: [
      defineAuthorizationServer({
        name: 'Okta1',
        jwksUrl: 'https://acme.okta.example/oauth2/default/v1/keys',
        issuer: 'https://acme.okta.example/oauth2/default',
        audience: 'api://tokenward',
      }),
    ],
    revision,
    ...overrides,
  }
}

/** Hostile or malformed organization IDs; every store must refuse them before any I/O. */
export const rejectedOrgIds: readonly string[] = [
  '',
  '.',
  '..',
  '../acme',
  '../../etc/passwd',
  '/etc/passwd',
  'a/b',
  'a\\b',
  'C:acme',
  'acme\0.json',
  'ac me',
  '%2e%2e',
  'é',
  'x'.repeat(129),
  // One organization-ID rule (core's checkOrgId): lowercase only, no Windows device names, no trailing dot.
  'Acme',
  'con',
  'NUL',
  'nul.json',
  'com1',
  'lpt9.txt',
  'acme.',
]

const codeOf = (e: unknown): string | undefined => (isRegistryError(e) ? e.code : undefined)

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (e) {
    return codeOf(e) ?? String(e)
  }
  return undefined
}

/**
 * Runs the contract against a fresh store per test; `open` returns the store and its cleanup.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest'
 * import { describeOrganizationStoreContract } from '@tokenward/registry/testing'
 *
 * describeOrganizationStoreContract({ describe, it, expect }, 'my store', async () => {
 *   const store = await openMyStore()
 *   return { store, cleanup: () => dropMyStore() }
 * })
 * ```
 */
export function describeOrganizationStoreContract(
  runner: ContractTestRunner,
  name: string,
  open: () => Promise<{ readonly store: OrganizationStore; readonly cleanup: () => Promise<void> }>,
): void {
  const { describe, it, expect } = runner
  const withStore = (fn: (store: OrganizationStore) => Promise<void>) => async () => {
    const { store, cleanup } = await open()
    try {
      await fn(store)
    } finally {
      await store.close()
      await cleanup()
    }
  }

  describe(`${name}: OrganizationStore contract`, () => {
    it(
      'starts empty, then round-trips an organization through put, get and list',
      withStore(async (store) => {
        expect(await store.get('acme')).toBeUndefined()
        expect(await store.list()).toEqual([])
        const acme = sampleOrganization('acme', 1)
        expect(await store.put(acme, undefined)).toEqual({ ok: true })
        expect(await store.get('acme')).toEqual(acme)
        expect(await store.list()).toEqual(['acme'])
      }),
    )

    it(
      'lists every organization, sorted',
      withStore(async (store) => {
        for (const id of ['m.2', 'b_1', 'z-9', 'a']) expect((await store.put(sampleOrganization(id, 1), undefined)).ok).toBe(true)
        expect(await store.list()).toEqual(['a', 'b_1', 'm.2', 'z-9'])
      }),
    )

    it(
      'accepts a write only from the stored revision, and reports the current one otherwise',
      withStore(async (store) => {
        await store.put(sampleOrganization('acme', 1), undefined)
        // Creating again: conflict, revision 1 is stored.
        expect(await store.put(sampleOrganization('acme', 1, { cloud: 'other' }), undefined)).toEqual({
          ok: false,
          reason: 'conflict',
          currentRevision: 1,
        })
        expect(await store.put(sampleOrganization('acme', 2, { cloud: 'second' }), 1)).toEqual({ ok: true })
        // A writer that read revision 1 is now stale.
        expect(await store.put(sampleOrganization('acme', 2, { cloud: 'stale' }), 1)).toEqual({ ok: false, reason: 'conflict', currentRevision: 2 })
        // Expecting a revision of an organization that does not exist.
        expect(await store.put(sampleOrganization('ghost', 4), 3)).toEqual({ ok: false, reason: 'conflict', currentRevision: undefined })
        expect(await store.get('ghost')).toBeUndefined()
        const stored = await store.get('acme')
        expect(stored?.revision).toBe(2)
        expect(stored?.cloud).toBe('second')
      }),
    )

    const badRevisions = [
      ['a first revision other than 1', 2, undefined],
      ['a revision that skips one', 3, 1],
      ['a revision that does not increase', 1, 1],
      ['expectedRevision 0', 1, 0],
      ['a negative expectedRevision', 0, -1],
      ['a fractional revision', 2.5, 1.5],
      ['a NaN revision', Number.NaN, undefined],
    ] as const
    for (const [label, revision, expected] of badRevisions) {
      it(
        `throws a programming error for ${label}, writing nothing`,
        withStore(async (store) => {
          await store.put(sampleOrganization('acme', 1), undefined)
          expect(await rejectionCode(store.put(sampleOrganization('acme', revision, { cloud: 'x' }), expected))).toBe('invalid_revision')
          expect(await store.get('acme')).toEqual(sampleOrganization('acme', 1))
        }),
      )
    }

    it(
      'refuses every hostile organization ID in get and put',
      withStore(async (store) => {
        for (const id of rejectedOrgIds) {
          expect({ id, code: await rejectionCode(store.get(id)) }).toEqual({ id, code: 'invalid_org_id' })
          expect({ id, code: await rejectionCode(store.put(sampleOrganization(id, 1), undefined)) }).toEqual({ id, code: 'invalid_org_id' })
        }
        expect(await store.list()).toEqual([])
      }),
    )

    it(
      'lets exactly one of 50 concurrent writers from the same revision win',
      withStore(async (store) => {
        await store.put(sampleOrganization('acme', 1), undefined)
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.put(sampleOrganization('acme', 2, { cloud: `writer-${i}` }), 1)),
        )
        const winners = results.flatMap((r, i) => (r.ok ? [i] : []))
        expect(winners).toHaveLength(1)
        expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 49 }, () => ({ ok: false, reason: 'conflict', currentRevision: 2 })))
        expect((await store.get('acme'))?.cloud).toBe(`writer-${winners[0]}`)
      }),
    )

    it(
      'lets exactly one of 50 concurrent creators win',
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => store.put(sampleOrganization('fresh', 1), undefined)))
        expect(results.filter((r) => r.ok)).toHaveLength(1)
        expect(results.filter((r) => !r.ok && r.currentRevision === 1)).toHaveLength(49)
      }),
    )

    it(
      'keeps API clients and their secret hashes exactly, and reads a document without apiClients as it was stored',
      withStore(async (store) => {
        const withClients = sampleOrganization('acme', 1, {
          apiClients: [
            {
              clientId: 'ci',
              name: 'CI pipeline',
              description: '',
              enabled: true,
              roles: ['ReadOnly'],
              authentication: { method: 'client_secret', secrets: [{ hash: { algorithm: 'pbkdf2-sha256', iterations: 600_000, salt: 'c2FsdA', hash: 'aGFzaA' }, createdAt: 1_900_000_000 }] },
              createdAt: 1_900_000_000,
              updatedAt: 1_900_000_000,
            },
          ],
        })
        await store.put(withClients, undefined)
        expect(await store.get('acme')).toEqual(withClients)
        await store.put(sampleOrganization('legacy', 1), undefined)
        const legacy = await store.get('legacy')
        expect(legacy).toEqual(sampleOrganization('legacy', 1))
        expect((legacy as Organization).apiClients).toBeUndefined()
      }),
    )

    it(
      'keeps its own copies: mutating what was put or got changes nothing stored',
      withStore(async (store) => {
        const input = structuredClone(sampleOrganization('acme', 1)) as { -readonly [K in keyof Organization]: Organization[K] }
        await store.put(input, undefined)
        input.cloud = 'mutated'
        ;(input.apiRoles.ReadOnly as string[]).push('everything')
        const got = (await store.get('acme')) as { -readonly [K in keyof Organization]: Organization[K] }
        expect(got).toEqual(sampleOrganization('acme', 1))
        got.cloud = 'mutated again'
        ;(got.apiRoles.Admin as string[]).length = 0
        ;(got.authorizationServers as unknown[]).length = 0
        expect(await store.get('acme')).toEqual(sampleOrganization('acme', 1))
      }),
    )

    it(
      'version (when offered) changes with every committed write and is undefined for a missing organization',
      withStore(async (store) => {
        if (store.version === undefined) return
        expect(await store.version('acme')).toBeUndefined()
        await store.put(sampleOrganization('acme', 1), undefined)
        const first = await store.version('acme')
        expect(first).toEqual(expect.any(String))
        expect(await store.version('acme')).toBe(first)
        await store.put(sampleOrganization('acme', 2, { cloud: 'zscloud' }), 1)
        expect(await store.version('acme')).not.toBe(first)
        // A refused write changes nothing.
        const second = await store.version('acme')
        await store.put(sampleOrganization('acme', 2, { cloud: 'other' }), 1)
        expect(await store.version('acme')).toBe(second)
      }),
    )

    it(
      'watch (when offered) reports each committed write through this store, once, and stops when unsubscribed',
      withStore(async (store) => {
        if (store.watch === undefined) return
        const heard: string[] = []
        const stop = store.watch((orgId) => heard.push(orgId))
        await store.put(sampleOrganization('acme', 1), undefined)
        await store.put(sampleOrganization('acme', 1), undefined) // conflict: not a change
        await store.put(sampleOrganization('beta', 1), undefined)
        expect(heard).toEqual(['acme', 'beta'])
        stop()
        await store.put(sampleOrganization('acme', 2), 1)
        expect(heard).toEqual(['acme', 'beta'])
      }),
    )

    it(
      'key-fetch records (when offered) are kept per (server, JWKS URL), keep the latest time, and never touch the revision',
      withStore(async (store) => {
        if (store.keyFetches === undefined || store.recordKeyFetch === undefined) return
        await store.put(sampleOrganization('acme', 1), undefined)
        expect(await store.keyFetches('acme')).toEqual([])
        await store.recordKeyFetch('acme', { serverName: 'Okta1', jwksUrl: 'https://a.example/keys', lastSuccessfulFetchAt: 2000 })
        await store.recordKeyFetch('acme', { serverName: 'Okta1', jwksUrl: 'https://a.example/keys', lastSuccessfulFetchAt: 1000 }) // older: ignored
        await store.recordKeyFetch('acme', { serverName: 'Okta1', jwksUrl: 'https://b.example/keys', lastSuccessfulFetchAt: 3000 })
        expect(await store.keyFetches('acme')).toEqual([
          { serverName: 'Okta1', jwksUrl: 'https://a.example/keys', lastSuccessfulFetchAt: 2000 },
          { serverName: 'Okta1', jwksUrl: 'https://b.example/keys', lastSuccessfulFetchAt: 3000 },
        ])
        expect((await store.get('acme'))?.revision).toBe(1)
        expect(await store.list()).toEqual(['acme'])
        expect(await rejectionCode(store.keyFetches('../acme'))).toBe('invalid_org_id')
      }),
    )

    it('refuses every call after close', async () => {
      const { store, cleanup } = await open()
      await store.put(sampleOrganization('acme', 1), undefined)
      await store.close()
      expect(await rejectionCode(store.get('acme'))).toBe('store_closed')
      expect(await rejectionCode(store.put(sampleOrganization('acme', 2), 1))).toBe('store_closed')
      expect(await rejectionCode(store.list())).toBe('store_closed')
      await store.close()
      await cleanup()
    })
  })
}
