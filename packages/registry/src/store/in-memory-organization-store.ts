/**
 * An {@link OrganizationStore} in a `Map`: for tests, demos and single-process deployments that
 * load organizations from elsewhere at start-up. Nothing survives the process.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { RegistryConfigError, StoreClosedError } from '../errors.ts'
import { checkOrgId } from './org-id.ts'
import {
  assertPutArguments,
  assertStorableOrgId,
  mergeKeyFetchRecord,
  type KeyFetchRecord,
  type OrganizationPutResult,
  type OrganizationStore,
} from './organization-store.ts'

/**
 * Creates an in-memory organization store, optionally filled with `initial` organizations (each
 * with a positive integer revision and a distinct, storable ID, or `RegistryConfigError` names
 * every bad entry).
 *
 * Compare-and-set is atomic without locks: each call checks and writes in one synchronous step
 * (no `await` between reading the stored revision and replacing the entry), and JavaScript runs
 * one such step at a time. Organizations are deep-copied with `structuredClone` on the way in and
 * on the way out. Every successful `put` notifies `watch` listeners at once; `version` is the
 * revision.
 *
 * @example
 * ```ts
 * const store = createInMemoryOrganizationStore()
 * await store.put({ ...acme, revision: 1 }, undefined) // { ok: true }
 * await store.put({ ...acme, revision: 1 }, undefined) // { ok: false, reason: 'conflict', currentRevision: 1 }
 * ```
 */
export function createInMemoryOrganizationStore(initial: readonly Organization[] = []): OrganizationStore {
  const organizations = new Map<string, Organization>()
  const issues: ConfigIssue[] = []
  initial.forEach((org, i) => {
    const idProblem = checkOrgId(org.orgId)
    if (idProblem !== undefined) issues.push({ path: `initial[${i}].orgId`, message: idProblem })
    else if (organizations.has(org.orgId)) issues.push({ path: `initial[${i}].orgId`, message: `repeats ${org.orgId}` })
    if (!(Number.isSafeInteger(org.revision) && org.revision >= 1)) {
      issues.push({ path: `initial[${i}].revision`, message: 'must be a positive integer' })
    }
    organizations.set(org.orgId, structuredClone(org))
  })
  if (issues.length > 0) throw new RegistryConfigError(issues)
  const keyFetches = new Map<string, readonly KeyFetchRecord[]>()
  const listeners = new Set<(orgId: string) => void>()
  let closed = false
  const ensureOpen = (): void => {
    if (closed) throw new StoreClosedError()
  }

  return {
    async get(orgId) {
      ensureOpen()
      assertStorableOrgId(orgId)
      const org = organizations.get(orgId)
      return org === undefined ? undefined : structuredClone(org)
    },
    async put(next, expectedRevision): Promise<OrganizationPutResult> {
      // One synchronous critical section: no await between the check and the write.
      ensureOpen()
      assertPutArguments(next, expectedRevision)
      const currentRevision = organizations.get(next.orgId)?.revision
      if (currentRevision !== expectedRevision) return { ok: false, reason: 'conflict', currentRevision }
      organizations.set(next.orgId, structuredClone(next))
      for (const listener of listeners) listener(next.orgId)
      return { ok: true }
    },
    async version(orgId) {
      ensureOpen()
      assertStorableOrgId(orgId)
      const revision = organizations.get(orgId)?.revision
      return revision === undefined ? undefined : String(revision)
    },
    watch(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    async keyFetches(orgId) {
      ensureOpen()
      assertStorableOrgId(orgId)
      return keyFetches.get(orgId) ?? []
    },
    async recordKeyFetch(orgId, record) {
      ensureOpen()
      assertStorableOrgId(orgId)
      keyFetches.set(orgId, mergeKeyFetchRecord(keyFetches.get(orgId) ?? [], { ...record }))
    },
    async list() {
      ensureOpen()
      return [...organizations.keys()].sort()
    },
    async close() {
      closed = true
      listeners.clear()
    },
  }
}
