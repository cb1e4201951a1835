/**
 * The organization store port: where organizations live between admin changes, with optimistic
 * concurrency on `Organization.revision`. Web-standard; implementations live beside it (in memory)
 * and under `@tokenward/registry/node` (files).
 *
 * @module
 */
import type { Organization } from '@tokenward/core/organization'
import { InvalidOrgIdError, InvalidRevisionError } from '../errors.ts'
import { checkOrgId } from './org-id.ts'

/**
 * The outcome of {@link OrganizationStore.put}: written, or refused because the stored revision
 * is no longer the one the caller read (`currentRevision` is `undefined` when no organization
 * with that ID is stored).
 *
 * @example
 * ```ts
 * const r: OrganizationPutResult = await store.put(next, org.revision)
 * if (!r.ok) console.log('changed meanwhile; now at revision', r.currentRevision)
 * ```
 */
export type OrganizationPutResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'conflict'; readonly currentRevision: number | undefined }

/**
 * Stores organizations by ID with compare-and-set writes.
 *
 * Every write is checked against the revision the caller read: `put(next, expectedRevision)`
 * succeeds only if the stored revision is still `expectedRevision` (`undefined`: the organization
 * must not exist yet), and `next.revision` must be `(expectedRevision ?? 0) + 1`. Of several
 * concurrent writers starting from the same revision exactly one wins; the others get a conflict,
 * re-read and retry (or give up).
 *
 * Stores hand out copies: mutating an object passed to `put` or returned by `get` never changes
 * what is stored.
 *
 * Errors: `InvalidOrgIdError` and `InvalidRevisionError` (programming errors, thrown before any
 * I/O), `StoreClosedError` after `close()`, and, for durable stores, `StoreCorruptionError`,
 * `StoreLockTimeoutError` or the underlying I/O error.
 *
 * @example
 * ```ts
 * async function rename(store: OrganizationStore, orgId: string, cloud: string) {
 *   for (;;) {
 *     const org = await store.get(orgId)
 *     if (org === undefined) throw new Error('no such organization')
 *     const r = await store.put({ ...org, cloud, revision: org.revision + 1 }, org.revision)
 *     if (r.ok) return
 *   }
 * }
 * ```
 */
export interface OrganizationStore {
  /** The stored organization, or `undefined` when there is none with this ID. */
  get(orgId: string): Promise<Organization | undefined>
  /**
   * Writes `next` only if the stored revision is still `expectedRevision` (`undefined`: must not
   * exist yet). `next.revision` must equal `(expectedRevision ?? 0) + 1`.
   */
  put(next: Organization, expectedRevision: number | undefined): Promise<OrganizationPutResult>
  /** The IDs of every stored organization, sorted. */
  list(): Promise<readonly string[]>
  /** Waits for in-flight calls, then releases resources; later calls throw `StoreClosedError`. */
  close(): Promise<void>
  /**
   * Optional: a cheap token that changes whenever the stored document of `orgId` changes
   * (`undefined` when there is none), so a reader holding the document in memory can check it is
   * current without reading and parsing it. The file store answers from `stat` (inode, size,
   * modification time); the in-memory store from the revision. A store without it is re-read
   * whole when a reader checks.
   */
  version?(orgId: string): Promise<string | undefined>
  /**
   * Optional: calls `listener(orgId)` after a change to that organization lands (at least the
   * changes written through this store object; a shared store such as Redis also pushes other
   * processes' changes). Returns the function that stops the calls. Listeners must not throw.
   */
  watch?(listener: (orgId: string) => void): () => void
  /**
   * Optional: the key-fetch records of `orgId`, one per (server name, JWKS URL) whose keys were
   * ever fetched. Kept beside the organization, not in it, so recording a fetch never changes
   * the organization's revision (an admin's `If-Match` stays valid).
   */
  keyFetches?(orgId: string): Promise<readonly KeyFetchRecord[]>
  /**
   * Optional: records a successful key fetch. Keeps the later of the stored and the given time
   * for the same (server name, JWKS URL). Best effort: a lost race between two processes loses a
   * timestamp, never the organization.
   */
  recordKeyFetch?(orgId: string, record: KeyFetchRecord): Promise<void>
}

/**
 * When the keys of one authorization server were last fetched from one JWKS URL. The URL is part
 * of the key: after the URL changes, the server reads "never fetched" until the new URL answers;
 * a disabled server keeps its record.
 *
 * @example
 * ```ts
 * const r: KeyFetchRecord = { serverName: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys', lastSuccessfulFetchAt: 1_760_000_000_000 }
 * ```
 */
export interface KeyFetchRecord {
  readonly serverName: string
  readonly jwksUrl: string
  /** Milliseconds since the epoch. */
  readonly lastSuccessfulFetchAt: number
}

/** At most this many key-fetch records are kept per organization. */
const maxKeyFetchRecords = 64

/**
 * Merges `record` into `records`: replaces the entry of the same (server name, JWKS URL) when
 * `record` is later, appends it when new (keeping the 64 latest). Pure; used by every store that keeps key-fetch records.
 *
 * @example
 * ```ts
 * const next = mergeKeyFetchRecord(stored, { serverName: 'Okta1', jwksUrl, lastSuccessfulFetchAt: Date.now() })
 * ```
 */
export function mergeKeyFetchRecord(records: readonly KeyFetchRecord[], record: KeyFetchRecord): readonly KeyFetchRecord[] {
  const i = records.findIndex((r) => r.serverName === record.serverName && r.jwksUrl === record.jwksUrl)
  if (i === -1) {
    // Bounded: the oldest records (servers long deleted or re-pointed) go first.
    const all = [...records, record]
    return all.length <= maxKeyFetchRecords ? all : all.sort((a, b) => b.lastSuccessfulFetchAt - a.lastSuccessfulFetchAt).slice(0, maxKeyFetchRecords)
  }
  if (records[i]!.lastSuccessfulFetchAt >= record.lastSuccessfulFetchAt) return records
  return records.map((r, j) => (j === i ? record : r))
}

/**
 * Checks the arguments of {@link OrganizationStore.put} and throws the programming error they
 * reveal: an unusable `orgId` ({@link InvalidOrgIdError}), an `expectedRevision` that is not a
 * positive integer, or a `next.revision` other than `(expectedRevision ?? 0) + 1`
 * ({@link InvalidRevisionError}). Every store implementation calls it before doing anything else.
 *
 * @example
 * ```ts
 * const myStore: OrganizationStore = {
 *   async put(next, expectedRevision) {
 *     assertPutArguments(next, expectedRevision)
 *     // ... compare-and-set in your database
 *   },
 *   // ...
 * }
 * ```
 */
export function assertPutArguments(next: Organization, expectedRevision: number | undefined): void {
  const problem = checkOrgId(next.orgId)
  if (problem !== undefined) throw new InvalidOrgIdError(next.orgId, problem)
  if (expectedRevision !== undefined && !(Number.isSafeInteger(expectedRevision) && expectedRevision >= 1)) {
    throw new InvalidRevisionError('expectedRevision', 'a positive integer or undefined', expectedRevision)
  }
  const wanted = (expectedRevision ?? 0) + 1
  if (next.revision !== wanted) throw new InvalidRevisionError('next.revision', wanted, next.revision)
}

/**
 * Throws {@link InvalidOrgIdError} when `orgId` cannot be used with a store (see `checkOrgId`).
 *
 * @example
 * ```ts
 * assertStorableOrgId('acme') // fine
 * assertStorableOrgId('a/b') // throws InvalidOrgIdError
 * ```
 */
export function assertStorableOrgId(orgId: string): void {
  const problem = checkOrgId(orgId)
  if (problem !== undefined) throw new InvalidOrgIdError(orgId, problem)
}
