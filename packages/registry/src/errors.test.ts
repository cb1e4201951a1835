import { describe, expect, it } from 'vitest'
import {
  AuditEventNotSerializableError,
  AuditSinkClosedError,
  AuditSinkOverloadedError,
  InvalidOrgIdError,
  InvalidRevisionError,
  RegistryConfigError,
  StoreClosedError,
  StoreCorruptionError,
  StoreLockTimeoutError,
  isRegistryError,
} from './errors.ts'

describe('registry errors', () => {
  it.each([
    [new RegistryConfigError([{ path: 'directory', message: 'must be a non-empty string' }]), 'invalid_config'],
    [new InvalidOrgIdError('../x', 'bad'), 'invalid_org_id'],
    [new InvalidRevisionError('next.revision', 2, 3), 'invalid_revision'],
    [new StoreCorruptionError('/data/acme.json', 'not valid JSON'), 'store_corrupt'],
    [new StoreLockTimeoutError('/data/acme.lock', 10), 'store_lock_timeout'],
    [new StoreClosedError(), 'store_closed'],
    [new AuditEventNotSerializableError('$.at', 'is a Date'), 'audit_event_not_serializable'],
    [new AuditSinkClosedError(), 'audit_sink_closed'],
    [new AuditSinkOverloadedError(10), 'audit_sink_overloaded'],
  ] as const)('%s has its code, and its tag as name', (error, code) => {
    expect(error.code).toBe(code)
    expect(error.name).toBe(error._tag)
    expect(isRegistryError(error)).toBe(true)
  })

  it('recognises an error from another copy of the package by tag and code, not instanceof', () => {
    class ForeignCorruption extends Error {
      readonly _tag = 'StoreCorruptionError'
      readonly code = 'store_corrupt'
    }
    class Mislabelled extends Error {
      readonly _tag = 'StoreCorruptionError'
      readonly code = 'store_closed'
    }
    expect(isRegistryError(new ForeignCorruption('x'))).toBe(true)
    expect(isRegistryError(new Mislabelled('x'))).toBe(false)
    expect(isRegistryError({ _tag: 'StoreCorruptionError', code: 'store_corrupt' })).toBe(false)
    expect(isRegistryError(new Error('x'))).toBe(false)
  })

  it('carries structured fields and cuts very long IDs', () => {
    const corrupt = new StoreCorruptionError('/data/acme.json', 'not valid JSON', new SyntaxError('Unexpected end'))
    expect(corrupt.path).toBe('/data/acme.json')
    expect(corrupt.cause).toBeInstanceOf(SyntaxError)
    const long = new InvalidOrgIdError('x'.repeat(10_000), 'too long')
    expect(String(long.actual).length).toBeLessThanOrEqual(201)
    expect(long.message.length).toBeLessThan(300)
    expect(new InvalidRevisionError('next.revision', 2, 5)).toMatchObject({ field: 'next.revision', expected: 2, actual: 5 })
  })
})
