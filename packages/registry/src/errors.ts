/**
 * Every way the registry's stores and audit sinks can fail, as named error classes with stable
 * codes. Each error carries a literal `_tag` (its class name), a stable `code` and structured
 * fields (`path`, `expected`, `actual`, `issues`). Narrow on `code` or `_tag`, or use
 * {@link isRegistryError} when two copies of the package may be loaded.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'

/** Stable machine-readable codes of registry errors. New codes may be added; existing ones are never renamed. */
export type RegistryErrorCode =
  | 'invalid_config'
  | 'invalid_org_id'
  | 'invalid_revision'
  | 'store_corrupt'
  | 'store_lock_timeout'
  | 'store_closed'
  | 'audit_event_not_serializable'
  | 'audit_sink_closed'
  | 'audit_sink_overloaded'

/**
 * Base class of every registry error.
 *
 * @example
 * ```ts
 * try { await store.get('acme') } catch (e) {
 *   if (e instanceof RegistryError) console.error(e.code, e.message)
 * }
 * ```
 */
export abstract class RegistryError extends Error {
  abstract readonly _tag: string
  abstract readonly code: RegistryErrorCode

  override get name(): string {
    return this._tag
  }
}

/**
 * Options given to a store or sink constructor were rejected; `issues` names every bad field by path.
 *
 * @example
 * ```ts
 * try { await createFileOrganizationStore({ directory: '' }) } catch (e) {
 *   if (e instanceof RegistryConfigError) for (const i of e.issues) console.log(i.path, i.message)
 * }
 * ```
 */
export class RegistryConfigError extends RegistryError {
  readonly _tag = 'RegistryConfigError' as const
  readonly code = 'invalid_config' as const
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid options: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`)
    this.issues = issues
  }
}

/**
 * An organization ID cannot be stored: stores accept 1–128 letters, digits, `-`, `_` and `.`,
 * but not `.` or `..` (the file store uses the ID as a file name). A programming error.
 *
 * @example
 * ```ts
 * await store.get('../etc/passwd') // throws InvalidOrgIdError (code 'invalid_org_id')
 * ```
 */
export class InvalidOrgIdError extends RegistryError {
  readonly _tag = 'InvalidOrgIdError' as const
  readonly code = 'invalid_org_id' as const
  /** The rejected value (strings longer than 200 characters are cut). */
  readonly actual: unknown
  constructor(actual: unknown, reason: string) {
    const shown = typeof actual === 'string' && actual.length > 200 ? `${actual.slice(0, 200)}…` : actual
    super(`Invalid organization ID ${JSON.stringify(shown) ?? String(shown)}: ${reason}`)
    this.actual = shown
  }
}

/**
 * `put` was called with a `next.revision` other than `(expectedRevision ?? 0) + 1`. A programming
 * error: the caller must increment the revision it read.
 *
 * @example
 * ```ts
 * await store.put({ ...org, revision: org.revision + 2 }, org.revision) // throws InvalidRevisionError
 * ```
 */
export class InvalidRevisionError extends RegistryError {
  readonly _tag = 'InvalidRevisionError' as const
  readonly code = 'invalid_revision' as const
  /** The argument concerned: `next.revision` or `expectedRevision`. */
  readonly field: 'next.revision' | 'expectedRevision'
  readonly expected: number | string
  readonly actual: unknown
  constructor(field: 'next.revision' | 'expectedRevision', expected: number | string, actual: unknown) {
    super(`${field} must be ${String(expected)}, got ${String(actual)}`)
    this.field = field
    this.expected = expected
    this.actual = actual
  }
}

/**
 * A stored document could not be read back as an organization: invalid JSON, not an object, a
 * missing or wrong `orgId`, or a revision that is not a positive integer. Nothing is repaired
 * automatically; `path` names the file (or key) to inspect.
 *
 * @example
 * ```ts
 * try { await store.get('acme') } catch (e) {
 *   if (e instanceof StoreCorruptionError) console.error('restore', e.path, 'from a backup')
 * }
 * ```
 */
export class StoreCorruptionError extends RegistryError {
  readonly _tag = 'StoreCorruptionError' as const
  readonly code = 'store_corrupt' as const
  readonly path: string
  constructor(path: string, reason: string, cause?: unknown) {
    super(`Corrupt organization document at ${path}: ${reason}`, cause === undefined ? undefined : { cause })
    this.path = path
  }
}

/**
 * Another writer held an organization's lock for longer than the store's `lockTimeoutMs`. Retrying
 * later is safe: nothing was written.
 *
 * @example
 * ```ts
 * new StoreLockTimeoutError('/var/lib/tokenward/orgs/acme.lock', 10_000)
 * ```
 */
export class StoreLockTimeoutError extends RegistryError {
  readonly _tag = 'StoreLockTimeoutError' as const
  readonly code = 'store_lock_timeout' as const
  readonly path: string
  readonly waitedMs: number
  constructor(path: string, waitedMs: number) {
    super(`Timed out after ${waitedMs} ms waiting for the lock ${path}`)
    this.path = path
    this.waitedMs = waitedMs
  }
}

/**
 * The store was used after `close()`.
 *
 * @example
 * ```ts
 * await store.close()
 * await store.get('acme') // throws StoreClosedError
 * ```
 */
export class StoreClosedError extends RegistryError {
  readonly _tag = 'StoreClosedError' as const
  readonly code = 'store_closed' as const
  constructor() {
    super('The organization store is closed')
  }
}

/**
 * An audit event cannot be written as JSON without losing information: it holds a function, a
 * symbol, a `bigint`, a non-finite number, a class instance (such as `Date` or `Map`), `undefined`
 * in an array, or a cycle. `path` locates the value, e.g. `$.details.at`.
 *
 * @example
 * ```ts
 * await sink.record({ type: 'server_added', orgId: 'acme', at: new Date() })
 * // rejects with AuditEventNotSerializableError: $.at is an instance of Date
 * ```
 */
export class AuditEventNotSerializableError extends RegistryError {
  readonly _tag = 'AuditEventNotSerializableError' as const
  readonly code = 'audit_event_not_serializable' as const
  readonly path: string
  constructor(path: string, reason: string) {
    super(`Audit event is not JSON-serializable: ${path} ${reason}`)
    this.path = path
  }
}

/**
 * The audit sink was used after `close()`.
 *
 * @example
 * ```ts
 * await sink.close()
 * await sink.record(event) // rejects with AuditSinkClosedError
 * ```
 */
export class AuditSinkClosedError extends RegistryError {
  readonly _tag = 'AuditSinkClosedError' as const
  readonly code = 'audit_sink_closed' as const
  constructor() {
    super('The audit sink is closed')
  }
}

/**
 * The audit sink's buffer is full: `maxPendingEvents` records are waiting to be written (the disk
 * is slower than the arrivals, or stalled). The record is refused at once instead of queueing
 * without bound; the caller's policy decides (the registry verifier answers an allowed call with
 * 503 under `auditFailure: 'fail-closed'`).
 *
 * @example
 * ```ts
 * try { await sink.record(event) } catch (e) {
 *   if (e instanceof AuditSinkOverloadedError) metrics.count('audit_overloaded')
 * }
 * ```
 */
export class AuditSinkOverloadedError extends RegistryError {
  readonly _tag = 'AuditSinkOverloadedError' as const
  readonly code = 'audit_sink_overloaded' as const
  readonly maxPendingEvents: number
  constructor(maxPendingEvents: number) {
    super(`The audit sink has ${maxPendingEvents} records waiting to be written; this one was refused`)
    this.maxPendingEvents = maxPendingEvents
  }
}

/** The union of every registry error; narrow on `code` or `_tag`. */
export type RegistryFailure =
  | RegistryConfigError
  | InvalidOrgIdError
  | InvalidRevisionError
  | StoreCorruptionError
  | StoreLockTimeoutError
  | StoreClosedError
  | AuditEventNotSerializableError
  | AuditSinkClosedError
  | AuditSinkOverloadedError

const codeByTag: Readonly<Record<RegistryFailure['_tag'], RegistryErrorCode>> = {
  RegistryConfigError: 'invalid_config',
  InvalidOrgIdError: 'invalid_org_id',
  InvalidRevisionError: 'invalid_revision',
  StoreCorruptionError: 'store_corrupt',
  StoreLockTimeoutError: 'store_lock_timeout',
  StoreClosedError: 'store_closed',
  AuditEventNotSerializableError: 'audit_event_not_serializable',
  AuditSinkClosedError: 'audit_sink_closed',
  AuditSinkOverloadedError: 'audit_sink_overloaded',
}

/**
 * True for any registry error, including one thrown by another installed copy of this package
 * (it checks that `_tag` and `code` belong together, not only `instanceof`).
 *
 * @example
 * ```ts
 * if (isRegistryError(err) && err.code === 'store_corrupt') alertOperator(err.path)
 * ```
 */
export function isRegistryError(value: unknown): value is RegistryFailure {
  if (value instanceof RegistryError) return true
  if (!(value instanceof Error)) return false
  const v = value as { _tag?: unknown; code?: unknown }
  return typeof v._tag === 'string' && Object.hasOwn(codeByTag, v._tag) && codeByTag[v._tag as RegistryFailure['_tag']] === v.code
}
