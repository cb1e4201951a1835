/**
 * An append-only audit log: one JSON object per line in a file.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { pageAuditEvents, type AuditPage, type AuditQuery } from '../audit/audit-query.ts'
import { readAuditLog } from './read-audit-log.ts'
import type { AuditEventShape, AuditSink } from '../audit/audit-sink.ts'
import { serializeAuditEvent } from '../audit/serialize-audit-event.ts'
import { AuditSinkClosedError, AuditSinkOverloadedError, RegistryConfigError } from '../errors.ts'

/**
 * Options of {@link createJsonlAuditSink}.
 *
 * @example
 * ```ts
 * const options: JsonlAuditSinkOptions = { path: '/var/log/my-api/audit.jsonl', fsync: 'every-write' }
 * ```
 */
export interface JsonlAuditSinkOptions {
  /** The log file; created if missing (its directory must exist), never truncated. */
  readonly path: string
  /**
   * `'every-write'` (default): `record` resolves only after the line is flushed to disk
   * (`fdatasync`, once per group-committed batch), so an acknowledged event survives a crash or
   * power loss. `{ everyMs }`: `record` resolves once the line is written to the operating
   * system (it survives a crash of this process), and the file is flushed to disk at most
   * `everyMs` after any write (and on `close`): a power loss can lose the last `everyMs` of
   * events, for far fewer flushes under load; a failed flush rejects the next `record` with its
   * error. `'none'`: the operating system decides when to
   * flush; events survive a process crash but may be lost on power loss.
   */
  readonly fsync?: 'every-write' | 'none' | { readonly everyMs: number }
  /**
   * At most this many records wait to be written; beyond it `record` rejects at once with
   * `AuditSinkOverloadedError` (a bounded buffer: a stalled disk never grows memory without
   * limit). Default 10 000.
   */
  readonly maxPendingEvents?: number
  /** Told after each batch is written (and fsynced): for metrics and tests. Must not throw. */
  readonly onBatchWritten?: (batch: AuditBatchWritten) => void
  /** With `fsync: { everyMs }`: told after each periodic flush, with the lines it made durable. Must not throw. */
  readonly onSynced?: (synced: { readonly lines: number }) => void
}

/**
 * One group commit of {@link createJsonlAuditSink}: `lines` records written with one write
 * sequence and, when `synced`, one fsync.
 *
 * @example
 * ```ts
 * const onBatchWritten = (b: AuditBatchWritten) => metrics.histogram('audit_batch_lines', b.lines)
 * ```
 */
export interface AuditBatchWritten {
  readonly lines: number
  readonly bytes: number
  readonly synced: boolean
  readonly durationMs: number
}

const newline = 0x0a

/** Whether the file's last byte is something other than a line break (a line torn by a crash). */
async function endsMidLine(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat()
  if (size === 0) return false
  const last = new Uint8Array(1)
  await handle.read(last, 0, 1, size - 1)
  return last[0] !== newline
}

async function syncDirectoryOf(path: string): Promise<void> {
  if (process.platform === 'win32') return
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/**
 * Opens an append-only JSON-lines audit log at `path` (flag `'a+'`: existing content is never
 * truncated or rewritten). Each event is checked with `serializeAuditEvent` before anything is
 * written, so a bad event is refused whole. Lines are written in call order and never
 * interleave. If the file ends in the middle of a line (a writer died mid-line), the next event
 * starts on a new line, so the torn line stays isolated and `readAuditLog` reports it.
 *
 * Group commit: records that arrive while a batch is being written and fsynced wait together and
 * go to disk as the next batch, with one write sequence and one fsync. A record's promise
 * resolves when its own batch is durable, so a caller waits for at most the batch in progress
 * and its own, however many records arrive; `N` concurrent records cost far fewer than `N`
 * fsyncs. A failed batch rejects the records in it (and only those). At most `maxPendingEvents`
 * records wait; more are refused at once with `AuditSinkOverloadedError`.
 *
 * One sink per file: several processes appending to the same file are not coordinated.
 *
 * @example
 * ```ts
 * import { createJsonlAuditSink } from '@tokenward/registry/node'
 *
 * const sink = await createJsonlAuditSink({ path: './audit.jsonl' })
 * await sink.record({ type: 'authorization_server_added', orgId: 'acme', name: 'Okta1' })
 * await sink.close()
 * ```
 */
export async function createJsonlAuditSink<E extends AuditEventShape = AuditEventShape>(options: JsonlAuditSinkOptions): Promise<AuditSink<E> & { query(query: AuditQuery): Promise<AuditPage> }> {
  const { path, fsync = 'every-write', maxPendingEvents = 10_000, onBatchWritten, onSynced } = options
  const syncEveryMs = typeof fsync === 'object' && fsync !== null ? fsync.everyMs : undefined
  const issues: ConfigIssue[] = []
  if (typeof path !== 'string' || path.length === 0) issues.push({ path: 'path', message: 'must be a non-empty string' })
  if (syncEveryMs !== undefined) {
    if (!(Number.isFinite(syncEveryMs) && syncEveryMs > 0)) issues.push({ path: 'fsync.everyMs', message: 'must be a positive number' })
  } else if (fsync !== 'every-write' && fsync !== 'none') {
    issues.push({ path: 'fsync', message: 'must be "every-write", "none" or { everyMs }' })
  }
  if (onSynced !== undefined && typeof onSynced !== 'function') issues.push({ path: 'onSynced', message: 'must be a function' })
  if (!(Number.isSafeInteger(maxPendingEvents) && maxPendingEvents >= 1)) issues.push({ path: 'maxPendingEvents', message: 'must be a positive integer' })
  if (onBatchWritten !== undefined && typeof onBatchWritten !== 'function') issues.push({ path: 'onBatchWritten', message: 'must be a function' })
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const handle = await open(path, 'a+')
  let needsLineBreak: boolean
  try {
    needsLineBreak = await endsMidLine(handle)
    if (fsync !== 'none') await syncDirectoryOf(path)
  } catch (e) {
    await handle.close()
    throw e
  }
  const encoder = new TextEncoder()
  interface Pending {
    readonly line: string
    readonly resolve: () => void
    readonly reject: (error: unknown) => void
  }
  let queue: Pending[] = []
  let draining: Promise<void> | undefined
  let closing: Promise<void> | undefined

  async function writeBatch(batch: readonly Pending[]): Promise<void> {
    const started = performance.now()
    const text = batch.map((p) => p.line).join('\n')
    const bytes = encoder.encode(needsLineBreak ? `\n${text}\n` : `${text}\n`)
    let offset = 0
    try {
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset)
        offset += bytesWritten
      }
    } catch (e) {
      // A partly written line must not swallow the next one.
      if (offset > 0) needsLineBreak = true
      throw e
    }
    needsLineBreak = false
    if (fsync === 'every-write') await handle.datasync()
    else if (syncEveryMs !== undefined) scheduleSync(batch.length)
    onBatchWritten?.({ lines: batch.length, bytes: bytes.length, synced: fsync === 'every-write', durationMs: performance.now() - started })
  }

  // Periodic flush ({ everyMs }): one timer at a time, armed by the first unflushed write.
  let unsyncedLines = 0
  let syncFailure: unknown
  let syncTimer: ReturnType<typeof setTimeout> | undefined
  let syncing: Promise<void> = Promise.resolve()
  function scheduleSync(lines: number): void {
    unsyncedLines += lines
    if (syncTimer !== undefined) return
    syncTimer = setTimeout(() => {
      syncTimer = undefined
      void syncNow()
    }, syncEveryMs)
    syncTimer.unref?.()
  }
  function syncNow(): Promise<void> {
    syncing = syncing.then(async () => {
      const lines = unsyncedLines
      if (lines === 0) return
      unsyncedLines = 0
      try {
        await handle.datasync()
        onSynced?.({ lines })
      } catch (e) {
        // Those records were acknowledged as written: the failure is handed to the next record
        // (whose caller's policy decides), and the flush is tried again with the next write.
        unsyncedLines += lines
        syncFailure = e
      }
    })
    return syncing
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue
      queue = []
      try {
        await writeBatch(batch)
        for (const p of batch) p.resolve()
      } catch (e) {
        for (const p of batch) p.reject(e)
      }
    }
    draining = undefined
  }

  return {
    record(event) {
      if (closing !== undefined) return Promise.reject(new AuditSinkClosedError())
      let line: string
      try {
        line = serializeAuditEvent(event)
      } catch (e) {
        return Promise.reject(e)
      }
      if (queue.length >= maxPendingEvents) return Promise.reject(new AuditSinkOverloadedError(maxPendingEvents))
      if (syncFailure !== undefined) {
        const failure = syncFailure
        syncFailure = undefined
        return Promise.reject(failure)
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, resolve, reject })
        draining ??= drain()
      })
    },
    close() {
      closing ??= (async () => {
        while (draining !== undefined) await draining
        if (syncTimer !== undefined) clearTimeout(syncTimer)
        syncTimer = undefined
        if (syncEveryMs !== undefined) await syncNow()
        await handle.close()
      })()
      return closing
    },
    async query(query) {
      // After the records already asked for, so a change is listed once its record resolved.
      while (draining !== undefined) await draining
      const { events } = await readAuditLog(path)
      return pageAuditEvents(events.map((event, position) => ({ event, position })), query)
    },
  }
}
