import { describe, expect, it } from 'vitest'
import { AuditEventNotSerializableError, type RegistryFailure } from '../errors.ts'
import type { AuditEventShape } from './audit-sink.ts'
import { serializeAuditEvent } from './serialize-audit-event.ts'

const base = { type: 'authorization_server_added', orgId: 'acme' }
const cyclic: Record<string, unknown> = { ...base }
cyclic.self = cyclic
const shared = { name: 'Okta1' }

function failure(event: unknown): { path: string; message: string } | undefined {
  try {
    serializeAuditEvent(event as AuditEventShape)
    return undefined
  } catch (e) {
    expect(e).toBeInstanceOf(AuditEventNotSerializableError)
    const err = e as Extract<RegistryFailure, { _tag: 'AuditEventNotSerializableError' }>
    return { path: err.path, message: err.message }
  }
}

describe('serializeAuditEvent', () => {
  it('writes a plain event as one line of JSON', () => {
    const event = { ...base, actor: { id: 'u-1' }, at: 1_760_000_000, details: { servers: ['Okta1', null, true], note: 'line 1\nline 2' } }
    const line = serializeAuditEvent(event)
    expect(line).not.toContain('\n')
    expect(JSON.parse(line)).toEqual(event)
  })

  it('leaves out undefined members, as JSON does', () => {
    expect(serializeAuditEvent({ ...base, suspension: undefined } as AuditEventShape)).toBe('{"type":"authorization_server_added","orgId":"acme"}')
  })

  it('accepts the same object twice when it is not a cycle', () => {
    expect(JSON.parse(serializeAuditEvent({ ...base, before: shared, after: shared } as AuditEventShape))).toMatchObject({ before: shared, after: shared })
  })

  it.each([
    ['a Date', { ...base, at: new Date(0) }, '$.at', 'instance of Date'],
    ['a Map', { ...base, details: { servers: new Map() } }, '$.details.servers', 'instance of Map'],
    ['a bigint', { ...base, count: 1n }, '$.count', 'is a bigint'],
    ['a function', { ...base, f: () => 1 }, '$.f', 'is a function'],
    ['a symbol value', { ...base, s: Symbol('x') }, '$.s', 'is a symbol'],
    ['NaN', { ...base, n: Number.NaN }, '$.n', 'NaN'],
    ['Infinity in an array', { ...base, list: [1, Number.POSITIVE_INFINITY] }, '$.list[1]', 'Infinity'],
    ['undefined in an array', { ...base, list: [undefined] }, '$.list[0]', 'is undefined'],
    ['an Error', { ...base, cause: new Error('x') }, '$.cause', 'instance of Error'],
    ['a cycle', cyclic, '$.self', 'cycle'],
    ['a symbol key', { ...base, [Symbol('k')]: 1 }, '$', 'symbol keys'],
    ['an odd key', { ...base, 'odd key': new Set() }, '$["odd key"]', 'instance of Set'],
    ['a missing type', { orgId: 'acme' }, '$.type', 'must be a string'],
    ['a numeric orgId', { type: 'x', orgId: 12345 }, '$.orgId', 'must be a string'],
    ['an array', [base], '$', 'not an object'],
    ['null', null, '$', 'not an object'],
  ])('refuses %s, naming its path', (_, event, path, reason) => {
    const f = failure(event)
    expect(f?.path).toBe(path)
    expect(f?.message).toContain(reason)
  })
})
