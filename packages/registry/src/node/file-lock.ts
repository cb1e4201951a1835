/**
 * An exclusive lock between processes sharing a directory, made of a lock file created with
 * `O_CREAT | O_EXCL` (`open(path, 'wx')`), plus a queue per lock path inside this process so that
 * callers in one process wait on a promise rather than polling the file system.
 *
 * A holder that dies (SIGKILL, power loss) leaves its lock file behind. The next process that
 * wants the lock breaks it when it is stale:
 * - at once, if the lock names this host and another process ID that no longer exists
 *   (`process.kill(pid, 0)` fails with `ESRCH`), unless `ownerPidCheck` is off;
 * - otherwise once the file is older than `staleAfterMs`: a lock of another host on a shared
 *   file system, a process ID reused since, a lock file whose owner record was never written, or
 *   a lock naming this very process ID (left by an earlier process with the same PID, as in a
 *   restarted container, or held by another copy of this module or a worker thread: only age
 *   tells them apart).
 *
 * Breaking is `rename(lock, unique name)` followed by a check that the renamed file is the very
 * lock judged stale; if it is not (another process broke the stale lock and took a fresh one in
 * between), the fresh lock is linked back at once. A holder therefore calls `stillHeld()` right
 * before it commits, and starts over if the answer is no.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { link, open, rename, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { StoreLockTimeoutError } from '../errors.ts'

/**
 * How to wait for and recover a file lock.
 *
 * @example
 * ```ts
 * const options: FileLockOptions = { staleAfterMs: 30_000, timeoutMs: 10_000, ownerPidCheck: true }
 * ```
 */
export interface FileLockOptions {
  /** A lock file older than this is broken whatever its owner record says. */
  readonly staleAfterMs: number
  /** Give up with `StoreLockTimeoutError` after waiting this long. */
  readonly timeoutMs: number
  /**
   * Break a lock at once when its owner process, on this host, is gone. Turn off when processes
   * in different PID namespaces (containers) share the directory and the same host name.
   */
  readonly ownerPidCheck: boolean
}

/**
 * A lock this process holds.
 *
 * @example
 * ```ts
 * await withFileLock('/data/acme.lock', options, async (lock) => {
 *   // ... prepare the write
 *   if (!(await lock.stillHeld())) throw new Error('lock lost, start over')
 *   // ... commit
 * })
 * ```
 */
export interface HeldFileLock {
  readonly path: string
  /** True while the lock file on disk is still this holder's (not broken as stale by another process). */
  stillHeld(): Promise<boolean>
}

interface OwnerRecord {
  readonly pid: number
  readonly host: string
  readonly token: string
}

/** Per lock path, the tail of this process's queue of holders. */
const queues = new Map<string, Promise<void>>()

const errorCode = (e: unknown): unknown => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function parseOwner(text: string): OwnerRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<OwnerRecord> | null
    if (v !== null && typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, host: v.host, token: v.token }
    }
  } catch {
    // Empty or partly written: the owner died between creating and writing the file, or is writing now.
  }
  return undefined
}

function ownerIsGone(owner: OwnerRecord): boolean {
  if (owner.host !== hostname() || !Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false
  // Our own PID: another copy of this module or a worker thread may hold it, or a previous process
  // that had our PID (a restarted container) left it. Only its age can tell.
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (e) {
    return errorCode(e) === 'ESRCH'
  }
}

interface LockSnapshot {
  readonly ino: number
  readonly mtimeMs: number
  readonly owner: OwnerRecord | undefined
}

/** Reads the lock file's identity and owner record through one open file (so both describe the same file). */
async function readLock(path: string): Promise<LockSnapshot | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined
    throw e
  }
  try {
    const info = await handle.stat()
    const text = await handle.readFile('utf8')
    return { ino: info.ino, mtimeMs: info.mtimeMs, owner: parseOwner(text) }
  } finally {
    await handle.close()
  }
}

/**
 * Breaks the lock at `path` if it is stale. Returns true when the lock file is gone (broken by us
 * or released meanwhile), so taking it may succeed now.
 *
 * @example
 * ```ts
 * await breakStaleFileLock('/data/acme.lock', options) // true when the lock is free now
 * ```
 */
export async function breakStaleFileLock(path: string, options: FileLockOptions): Promise<boolean> {
  const judged = await readLock(path)
  if (judged === undefined) return true
  const stale =
    (options.ownerPidCheck && judged.owner !== undefined && ownerIsGone(judged.owner)) || Date.now() - judged.mtimeMs > options.staleAfterMs
  if (!stale) return false
  const grave = `${path}.${randomUUID()}.stale`
  try {
    await rename(path, grave)
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return true
    throw e
  }
  const moved = await readLock(grave)
  const same =
    moved !== undefined &&
    (judged.owner !== undefined
      ? moved.owner?.token === judged.owner.token
      : moved.owner === undefined && moved.ino === judged.ino && moved.mtimeMs === judged.mtimeMs)
  if (!same) {
    // We moved a lock taken after our judgement: put it back unless someone already took the slot
    // (then its previous holder sees stillHeld() === false and starts over).
    await link(grave, path).catch(() => undefined)
  }
  await unlink(grave).catch(() => undefined)
  return same
}

async function acquire(path: string, options: FileLockOptions): Promise<HeldFileLock & { release(): Promise<void> }> {
  const token = randomUUID()
  const record = `${JSON.stringify({ pid: process.pid, host: hostname(), token, createdAt: new Date().toISOString() })}\n`
  const started = Date.now()
  let delay = 2
  for (;;) {
    let created = false
    try {
      const handle = await open(path, 'wx')
      created = true
      let ino: number
      try {
        await handle.writeFile(record)
        ino = (await handle.stat()).ino
      } finally {
        await handle.close()
      }
      return {
        path,
        async stillHeld() {
          const now = await readLock(path)
          return now !== undefined && now.ino === ino && now.owner?.token === token
        },
        async release() {
          const now = await readLock(path)
          if (now !== undefined && now.ino === ino && now.owner?.token === token) await unlink(path).catch(() => undefined)
        },
      }
    } catch (e) {
      if (created) {
        await unlink(path).catch(() => undefined)
        throw e
      }
      if (errorCode(e) !== 'EEXIST') throw e
    }
    if (await breakStaleFileLock(path, options)) continue
    const waited = Date.now() - started
    if (waited >= options.timeoutMs) throw new StoreLockTimeoutError(path, waited)
    await sleep(Math.min(delay, options.timeoutMs - waited) * (0.5 + Math.random()))
    delay = Math.min(delay * 2, 50)
  }
}

/**
 * Runs `task` while holding the lock at `path`, then releases it (also when `task` throws). Callers
 * in this process are queued per path; other processes are kept out by the lock file.
 *
 * @example
 * ```ts
 * const result = await withFileLock('/data/acme.lock', { staleAfterMs: 30_000, timeoutMs: 10_000, ownerPidCheck: true },
 *   async (lock) => readCheckAndWrite(lock))
 * ```
 */
export function withFileLock<T>(path: string, options: FileLockOptions, task: (lock: HeldFileLock) => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve()
  const run = previous.then(async () => {
    const lock = await acquire(path, options)
    try {
      return await task(lock)
    } finally {
      await lock.release()
    }
  })
  const tail = run.then(
    () => undefined,
    () => undefined,
  )
  queues.set(path, tail)
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path)
  })
  return run
}
