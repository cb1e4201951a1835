/**
 * Turning an audit event into one line of JSON, refusing anything JSON would silently change.
 *
 * @module
 */
import { AuditEventNotSerializableError } from '../errors.ts'
import type { AuditEventShape } from './audit-sink.ts'

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const keyPath = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`)

function checkJsonValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (!Number.isFinite(value)) throw new AuditEventNotSerializableError(path, `is ${String(value)} (JSON would write null)`)
      return
    case 'undefined':
      throw new AuditEventNotSerializableError(path, 'is undefined')
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new AuditEventNotSerializableError(path, `is a ${typeof value}`)
    case 'object':
      break
  }
  if (value === null) return
  if (ancestors.has(value)) throw new AuditEventNotSerializableError(path, 'refers back to one of its ancestors (a cycle)')
  if (!Array.isArray(value) && !isPlainObject(value)) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name
    throw new AuditEventNotSerializableError(path, `is an instance of ${typeof name === 'string' ? name : 'a class'}`)
  }
  if (Object.getOwnPropertySymbols(value).length > 0) throw new AuditEventNotSerializableError(path, 'has symbol keys')
  ancestors.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJsonValue(value[i], `${path}[${i}]`, ancestors)
  } else {
    for (const [key, member] of Object.entries(value)) {
      // An undefined member is simply absent in JSON, like an omitted optional property.
      if (member !== undefined) checkJsonValue(member, keyPath(path, key), ancestors)
    }
  }
  ancestors.delete(value)
}

/** True when JSON represents `value` faithfully (the checks of `checkJsonValue`, without paths). */
function isFaithfulJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object':
      break
    default:
      return false
  }
  if (value === null) return true
  // Deep nesting may be a cycle: leave it to the full check.
  if (depth > 32) return false
  if (Array.isArray(value)) {
    if (Object.getOwnPropertySymbols(value).length > 0) return false
    for (const item of value) if (!isFaithfulJson(item, depth + 1)) return false
    return true
  }
  if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return false
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const member = (value as Record<string, unknown>)[key]
    if (member !== undefined && !isFaithfulJson(member, depth + 1)) return false
  }
  return true
}

/**
 * The event as one line of JSON (no line break inside), or `AuditEventNotSerializableError`
 * naming the first value JSON cannot represent faithfully: functions, symbols, `bigint`s,
 * `NaN` and infinities, class instances (`Date`, `Map`, `Error`...), `undefined` in arrays, symbol
 * keys and cycles. Object members that are `undefined` are left out, as JSON does. The event
 * must be a plain object with string `type` and `orgId`.
 *
 * @example
 * ```ts
 * serializeAuditEvent({ type: 'server_removed', orgId: 'acme', name: 'Okta1' })
 * // '{"type":"server_removed","orgId":"acme","name":"Okta1"}'
 * serializeAuditEvent({ type: 'x', orgId: 'acme', at: new Date() }) // throws: $.at is an instance of Date
 * ```
 */
export function serializeAuditEvent(event: AuditEventShape): string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new AuditEventNotSerializableError('$', 'is not an object')
  }
  if (typeof event.type !== 'string') throw new AuditEventNotSerializableError('$.type', 'must be a string')
  if (typeof event.orgId !== 'string') throw new AuditEventNotSerializableError('$.orgId', 'must be a string')
  // The common case checked without building paths; the error's path is worked out only on failure.
  if (!isFaithfulJson(event)) checkJsonValue(event, '$', new Set())
  return JSON.stringify(event)
}
