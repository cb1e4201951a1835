/**
 * A durable {@link OrganizationStore} for Node: one JSON file per organization in a directory.
 *
 * Why files and not `node:sqlite`: this package supports Node >= 22.19, and on Node 22 (reported
 * for 22.16 through 22.21) and on Node 24 before 24.15 loading `node:sqlite` prints
 * "ExperimentalWarning: SQLite is an experimental feature and might change at any time" to
 * stderr. Only from Node 24.15 is it a release candidate (stability 1.2) that loads silently
 * (checked here on 24.21). A library must not write warnings into its users' logs, nor tie its
 * storage format to an API that may still change; tsup (our bundler) also rewrites `node:`
 * specifiers by default, and `sqlite` without the prefix is not a builtin. And the access pattern
 * needs no database: whole documents read and written by ID, no queries, a few writes a day per
 * organization. Files stay readable and diffable by operators and work with any backup tool. The
 * price is doing the locking ourselves (SQLite's locks are released by the kernel when a process
 * dies; ours must be recovered, as described below).
 *
 * Layout in `directory` (start-up cleanup touches only these names, never an operator's files):
 * - `<orgId>.json`: the organization (pretty-printed JSON, replaced atomically).
 * - `<orgId>.key-fetches`: when each server's keys were last fetched, per JWKS URL (JSON; replaced
 *   atomically but not fsynced, and without the lock: a timestamp lost to a crash or a race
 *   between processes is re-recorded at the next fetch). Kept apart so recording a fetch never
 *   changes the organization's revision.
 * - `<orgId>.lock`: exists only while a writer holds the organization's lock (see `file-lock.ts`).
 * - `<orgId>.json.<uuid>.tmp`, `<orgId>.lock.<uuid>.stale`: transient; never read, and removed
 *   when the store is created if older than `staleLockMs`.
 *
 * A write takes the organization's lock, reads the stored revision, and if it matches writes a
 * temp file in the same directory, fsyncs it, checks it still holds the lock, renames it over
 * `<orgId>.json` and fsyncs the directory. (If the lock was broken meanwhile, because this writer
 * stalled past `staleLockMs`, it discards the temp file and starts over from the read; a stall
 * exactly between that check and the rename is the one case this cannot catch.) A reader never
 * takes the lock: rename is atomic, so it sees the old file or the new one.
 *
 * `version(orgId)` is one `stat` of `<orgId>.json` (inode, size and modification time in
 * nanoseconds): every write renames a new file into place, so the inode changes with every
 * committed write. `watch` listeners hear of the writes made through this store object at once;
 * writes by other processes are seen by readers that check `version`.
 *
 * A process killed at any point leaves the old or the new document (never a torn one), possibly
 * a temp file (ignored, removed later) and possibly its lock file. A lock left by a dead process
 * on this host is broken by the next writer at once (its PID is gone); otherwise (another host on
 * a shared file system, a reused PID, our own PID after a container restart, a lock file whose
 * owner record was never written) once it is older than `staleLockMs`. Writers wait for the lock
 * at most `lockTimeoutMs`, then get `StoreLockTimeoutError`; the defaults (10 s and 15 s) let a
 * waiting writer outlast any stale lock.
 *
 * Limits: all processes must see the same file system with POSIX rename and `O_EXCL` semantics
 * (local disks do; NFSv3 and some network shares do not guarantee `O_EXCL`). On case-insensitive
 * file systems (macOS, Windows defaults) IDs that differ only in case name the same file.
 * Members whose value is `undefined` are not written (JSON has no `undefined`); they read back
 * as absent, which reads as `undefined` too.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { RegistryConfigError, StoreClosedError, StoreCorruptionError, StoreLockTimeoutError } from '../errors.ts'
import { checkOrgId } from '../store/org-id.ts'
import {
  assertPutArguments,
  assertStorableOrgId,
  mergeKeyFetchRecord,
  type KeyFetchRecord,
  type OrganizationPutResult,
  type OrganizationStore,
} from '../store/organization-store.ts'
import { breakStaleFileLock, withFileLock, type FileLockOptions } from './file-lock.ts'

/**
 * Options of {@link createFileOrganizationStore}.
 *
 * @example
 * ```ts
 * const options: FileOrganizationStoreOptions = { directory: '/var/lib/my-api/organizations' }
 * ```
 */
export interface FileOrganizationStoreOptions {
  /** Where the organization files live; created (with parents) if missing. */
  readonly directory: string
  /** A lock file older than this is broken even if its owner cannot be proven dead. Default 10 000 ms. */
  readonly staleLockMs?: number
  /** How long a writer waits for an organization's lock before `StoreLockTimeoutError`. Default 15 000 ms. */
  readonly lockTimeoutMs?: number
  /**
   * Break a lock at once when the process that took it, on this host, is gone. Default `true`.
   * Set `false` when processes in different PID namespaces (containers) share the directory
   * under the same host name; locks are then broken by age only.
   */
  readonly ownerPidCheck?: boolean
}

const errorCode = (e: unknown): unknown => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined)

function validateOptions(options: FileOrganizationStoreOptions): FileLockOptions & { readonly directory: string } {
  const issues: ConfigIssue[] = []
  const { directory, staleLockMs = 10_000, lockTimeoutMs = 15_000, ownerPidCheck = true } = options
  if (typeof directory !== 'string' || directory.length === 0) issues.push({ path: 'directory', message: 'must be a non-empty string' })
  if (!(Number.isFinite(staleLockMs) && staleLockMs > 0)) issues.push({ path: 'staleLockMs', message: 'must be a positive number' })
  if (!(Number.isFinite(lockTimeoutMs) && lockTimeoutMs >= 0)) issues.push({ path: 'lockTimeoutMs', message: 'must be a non-negative number' })
  if (typeof ownerPidCheck !== 'boolean') issues.push({ path: 'ownerPidCheck', message: 'must be a boolean' })
  if (issues.length > 0) throw new RegistryConfigError(issues)
  return { directory: resolve(directory), staleAfterMs: staleLockMs, timeoutMs: lockTimeoutMs, ownerPidCheck }
}

/** Parses a stored document, or throws `StoreCorruptionError` naming the file. */
function parseOrganization(text: string, path: string, orgId: string): Organization {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new StoreCorruptionError(path, 'not valid JSON', e)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StoreCorruptionError(path, 'not a JSON object')
  const org = value as Partial<Organization>
  if (org.orgId !== orgId) throw new StoreCorruptionError(path, `holds orgId ${JSON.stringify(org.orgId)}, expected ${JSON.stringify(orgId)}`)
  if (!(typeof org.revision === 'number' && Number.isSafeInteger(org.revision) && org.revision >= 1)) {
    throw new StoreCorruptionError(path, `revision ${JSON.stringify(org.revision)} is not a positive integer`)
  }
  return value as Organization
}

async function readOrganization(path: string, orgId: string): Promise<Organization | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined
    throw e
  }
  return parseOrganization(text, path, orgId)
}

function parseKeyFetches(text: string, path: string): readonly KeyFetchRecord[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new StoreCorruptionError(path, 'not valid JSON', e)
  }
  if (!Array.isArray(value)) throw new StoreCorruptionError(path, 'not a JSON array')
  return value.filter(
    (r): r is KeyFetchRecord =>
      typeof r === 'object' && r !== null && typeof r.serverName === 'string' && typeof r.jwksUrl === 'string' && Number.isFinite(r.lastSuccessfulFetchAt),
  )
}

async function readKeyFetches(path: string): Promise<readonly KeyFetchRecord[]> {
  try {
    return parseKeyFetches(await readFile(path, 'utf8'), path)
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return []
    throw e
  }
}

/** Makes a rename or unlink in `directory` durable. Windows cannot open directories for fsync. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `text` to a new file and fsyncs it; removes the file if anything fails. */
async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } catch (e) {
    await handle.close().catch(() => undefined)
    await unlink(path).catch(() => undefined)
    throw e
  }
  await handle.close()
}

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
/** `<orgId>.json.<uuid>.tmp` (a write's temp file) and `<orgId>.lock.<uuid>.stale` (a broken lock): names only this store makes. */
const leftoverName = new RegExp(`^(.+)\\.(?:json\\.${uuid}\\.tmp|lock\\.${uuid}\\.stale)$`)
const lockName = /^(.+)\.lock$/

/** The organization ID a name of this store's own is made from, or `undefined` for any other file. */
function ownName(pattern: RegExp, name: string): string | undefined {
  const id = pattern.exec(name)?.[1]
  return id !== undefined && checkOrgId(id) === undefined ? id : undefined
}

/**
 * Removes this store's own temp and broken-lock files older than `staleAfterMs`, and breaks its
 * stale locks. Best effort. Only names this store writes are touched (see the patterns above):
 * an operator's `notes.tmp`, `backup.stale` or `deploy.lock.old` in the directory is left alone.
 */
async function removeLeftovers(directory: string, lock: FileLockOptions): Promise<void> {
  for (const name of await readdir(directory)) {
    const path = join(directory, name)
    try {
      if (ownName(leftoverName, name) !== undefined) {
        if (Date.now() - (await stat(path)).mtimeMs > lock.staleAfterMs) await unlink(path)
      } else if (ownName(lockName, name) !== undefined) {
        await breakStaleFileLock(path, lock)
      }
    } catch {
      // Another process may be cleaning up too, or just committed; leftovers are harmless.
    }
  }
}

/**
 * Opens (creating if needed) a file-backed organization store in `directory`. Safe for any number
 * of concurrent callers in any number of processes on one host sharing the directory: of
 * concurrent `put`s from the same revision exactly one wins. Crash-safe: see the module notes.
 * Rejects with `RegistryConfigError` for bad options.
 *
 * @example
 * ```ts
 * import { createFileOrganizationStore } from '@tokenward/registry/node'
 *
 * const store = await createFileOrganizationStore({ directory: './data/organizations' })
 * const org = await store.get('acme')
 * if (org) await store.put({ ...org, cloud: 'zscloud', revision: org.revision + 1 }, org.revision)
 * ```
 */
export async function createFileOrganizationStore(options: FileOrganizationStoreOptions): Promise<OrganizationStore> {
  const { directory, ...lock } = validateOptions(options)
  await mkdir(directory, { recursive: true })
  await removeLeftovers(directory, lock)

  const dataPath = (orgId: string): string => join(directory, `${orgId}.json`)
  const keyFetchPath = (orgId: string): string => join(directory, `${orgId}.key-fetches`)
  const listeners = new Set<(orgId: string) => void>()
  // One key-fetch write at a time per organization in this process.
  const keyFetchWrites = new Map<string, Promise<void>>()
  const inFlight = new Set<Promise<unknown>>()
  let closed = false
  const track = <T>(operation: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreClosedError())
    const p = operation()
    inFlight.add(p)
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    )
    return p
  }

  async function put(next: Organization, expectedRevision: number | undefined): Promise<OrganizationPutResult> {
    assertPutArguments(next, expectedRevision)
    const path = dataPath(next.orgId)
    const lockPath = join(directory, `${next.orgId}.lock`)
    const text = `${JSON.stringify(next, null, 2)}\n`
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const outcome = await withFileLock(lockPath, lock, async (held): Promise<OrganizationPutResult | 'lock lost'> => {
        const currentRevision = (await readOrganization(path, next.orgId))?.revision
        if (currentRevision !== expectedRevision) return { ok: false, reason: 'conflict', currentRevision }
        const temp = `${path}.${randomUUID()}.tmp`
        await writeDurably(temp, text)
        if (!(await held.stillHeld())) {
          // We were so slow that another writer broke our lock as stale: it may have written since.
          await unlink(temp).catch(() => undefined)
          return 'lock lost'
        }
        try {
          await rename(temp, path)
        } catch (e) {
          await unlink(temp).catch(() => undefined)
          throw e
        }
        await syncDirectory(directory)
        return { ok: true }
      })
      if (outcome !== 'lock lost') return outcome
      if (attempt === 3) throw new StoreLockTimeoutError(lockPath, Date.now() - started)
    }
  }

  return {
    get(orgId) {
      return track(async () => {
        assertStorableOrgId(orgId)
        return readOrganization(dataPath(orgId), orgId)
      })
    },
    put(next, expectedRevision) {
      return track(async () => {
        const result = await put(next, expectedRevision)
        if (result.ok) for (const listener of listeners) listener(next.orgId)
        return result
      })
    },
    version(orgId) {
      return track(async () => {
        assertStorableOrgId(orgId)
        try {
          const s = await stat(dataPath(orgId), { bigint: true })
          return `${s.ino}:${s.size}:${s.mtimeNs}`
        } catch (e) {
          if (errorCode(e) === 'ENOENT') return undefined
          throw e
        }
      })
    },
    watch(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    keyFetches(orgId) {
      return track(async () => {
        assertStorableOrgId(orgId)
        return readKeyFetches(keyFetchPath(orgId))
      })
    },
    recordKeyFetch(orgId, record) {
      return track(async () => {
        assertStorableOrgId(orgId)
        const path = keyFetchPath(orgId)
        const previous = keyFetchWrites.get(orgId) ?? Promise.resolve()
        const write = previous.then(async () => {
          const stored = await readKeyFetches(path).catch(() => [])
          const merged = mergeKeyFetchRecord(stored, { serverName: record.serverName, jwksUrl: record.jwksUrl, lastSuccessfulFetchAt: record.lastSuccessfulFetchAt })
          if (merged === stored) return
          const temp = `${path}.${randomUUID()}.tmp`
          await writeFile(temp, `${JSON.stringify(merged)}\n`, { flag: 'wx' })
          try {
            await rename(temp, path)
          } catch (e) {
            await unlink(temp).catch(() => undefined)
            throw e
          }
        })
        const settled = write.catch(() => undefined)
        keyFetchWrites.set(orgId, settled)
        void settled.then(() => {
          if (keyFetchWrites.get(orgId) === settled) keyFetchWrites.delete(orgId)
        })
        return write
      })
    },
    list() {
      return track(async () => {
        const ids: string[] = []
        for (const name of await readdir(directory)) {
          if (!name.endsWith('.json')) continue
          const id = name.slice(0, -'.json'.length)
          if (checkOrgId(id) === undefined) ids.push(id)
        }
        return ids.sort()
      })
    },
    async close() {
      closed = true
      listeners.clear()
      await Promise.allSettled([...inFlight])
    },
  }
}
