/**
 * Reading back a JSON-lines audit log written by `createJsonlAuditSink`, tolerating the torn line
 * a crash can leave.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import type { AuditEventShape } from '../audit/audit-sink.ts'

/**
 * A line of the log that is not a complete audit event.
 *
 * @example
 * ```ts
 * const torn: TornAuditLine = { lineNumber: 42, atEnd: true, length: 812, text: '{"type":"server_added","orgId":"ac' }
 * ```
 */
export interface TornAuditLine {
  /** 1-based line number in the file. */
  readonly lineNumber: number
  /**
   * True for the file's last line when it has no line break: the writer died in the middle of it.
   * A torn line followed by others is what such a line looks like after the sink was reopened.
   */
  readonly atEnd: boolean
  /** The line's length in characters. */
  readonly length: number
  /** The line's first 200 characters. */
  readonly text: string
}

/**
 * What {@link readAuditLog} found.
 *
 * @example
 * ```ts
 * const { events, tornLines }: AuditLogContents = await readAuditLog('./audit.jsonl')
 * ```
 */
export interface AuditLogContents<E extends AuditEventShape = AuditEventShape> {
  /** Every complete event, in file order. */
  readonly events: readonly E[]
  /** Lines that are not a JSON object with string `type` and `orgId`; empty for a clean log. */
  readonly tornLines: readonly TornAuditLine[]
}

function parseEvent(line: string): AuditEventShape | undefined {
  try {
    const value = JSON.parse(line) as unknown
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const event = value as Partial<AuditEventShape>
    return typeof event.type === 'string' && typeof event.orgId === 'string' ? (value as AuditEventShape) : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads a JSON-lines audit log: every complete event, plus the lines that are not (reported, not
 * thrown). After a crash the last line may be torn (`atEnd: true`); after the sink was reopened
 * such a line sits between complete ones. Empty lines are skipped. Events are checked for a
 * string `type` and `orgId` only: `E` is what the caller asserts they are. Rejects only for I/O
 * errors (such as a missing file). Reads the whole file into memory.
 *
 * @example
 * ```ts
 * import { readAuditLog } from '@tokenward/registry/node'
 *
 * const { events, tornLines } = await readAuditLog<AuditEvent>('./audit.jsonl')
 * if (tornLines.length > 0) console.warn('incomplete lines at', tornLines.map((l) => l.lineNumber))
 * ```
 */
export async function readAuditLog<E extends AuditEventShape = AuditEventShape>(path: string): Promise<AuditLogContents<E>> {
  const text = await readFile(path, 'utf8')
  const lines = text.split('\n')
  // A file ending with a line break splits into a last empty string; one that does not ends torn.
  const endsClean = lines[lines.length - 1] === ''
  if (endsClean) lines.pop()
  const events: E[] = []
  const tornLines: TornAuditLine[] = []
  lines.forEach((line, i) => {
    if (line === '') return
    const event = parseEvent(line)
    if (event !== undefined) events.push(event as E)
    else tornLines.push({ lineNumber: i + 1, atEnd: !endsClean && i === lines.length - 1, length: line.length, text: line.slice(0, 200) })
  })
  return { events, tornLines }
}
