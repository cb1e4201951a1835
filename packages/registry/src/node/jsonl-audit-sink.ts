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
import { AuditSinkClosedError, RegistryConfigError } from '../errors.ts'

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
   * `'every-write'` (default): `record` resolves only after the line is fsynced, so an
   * acknowledged event survives a crash or power loss. `'none'`: the operating system decides
   * when to flush; events survive a process crash but may be lost on power loss.
   */
  readonly fsync?: 'every-write' | 'none'
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
 * written, so a bad event is refused whole. Concurrent `record` calls are written one after
 * another in call order, each line with complete writes, so lines never interleave. If the file
 * ends in the middle of a line (a writer died mid-line), the next event starts on a new line, so
 * the torn line stays isolated and `readAuditLog` reports it.
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
  const { path, fsync = 'every-write' } = options
  const issues: ConfigIssue[] = []
  if (typeof path !== 'string' || path.length === 0) issues.push({ path: 'path', message: 'must be a non-empty string' })
  if (fsync !== 'every-write' && fsync !== 'none') issues.push({ path: 'fsync', message: 'must be "every-write" or "none"' })
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const handle = await open(path, 'a+')
  let needsLineBreak: boolean
  try {
    needsLineBreak = await endsMidLine(handle)
    if (fsync === 'every-write') await syncDirectoryOf(path)
  } catch (e) {
    await handle.close()
    throw e
  }
  const encoder = new TextEncoder()
  let tail: Promise<void> = Promise.resolve()
  let closing: Promise<void> | undefined

  async function append(line: string): Promise<void> {
    const bytes = encoder.encode(needsLineBreak ? `\n${line}\n` : `${line}\n`)
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
    if (fsync === 'every-write') await handle.sync()
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
      const written = tail.then(() => append(line))
      tail = written.catch(() => undefined)
      return written
    },
    close() {
      closing ??= tail.then(() => handle.close())
      return closing
    },
    async query(query) {
      // After the records already asked for, so a change is listed once its record resolved.
      await tail
      const { events } = await readAuditLog(path)
      return pageAuditEvents(events.map((event, position) => ({ event, position })), query)
    },
  }
}
