import { AuditUnavailableError, StoreUnavailableError } from '@tokenward/core'
import { type JwksValidationReceipt } from '@tokenward/core/organization'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisApiCallCounter } from './api-call-counter.ts'
import { createRedisAuditSink } from './audit-sink.ts'
import { createRedisConnection, type RedisConnection, type RedisEvent } from './connection.ts'
import { createRedisReceiptStore } from './receipt-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

const receipt = (validationId: string, validatedAt: number): JwksValidationReceipt => ({
  validationId,
  orgId: 'acme',
  jwksUrl: 'https://acme.example/keys',
  jwksCertificateValidation: true,
  trustedCertificates: [],
  validatedAt,
})

describe.skipIf(!redisServerInstalled)('Redis counter, receipts and audit stream (real redis-server)', () => {
  let server: TestRedisServer
  let connection: RedisConnection
  let n = 0
  beforeAll(async () => {
    server = await startRedisServer()
    connection = await createRedisConnection({ url: server.url })
  })
  afterAll(async () => {
    await connection?.close()
    await server?.stop()
  })

  it('counts one window across counter objects, exactly once per call, and sets the expiry in the same step', async () => {
    const keyPrefix = `count${++n}`
    const a = createRedisApiCallCounter({ connection, keyPrefix, expireSeconds: 120 })
    const other = await createRedisConnection({ url: server.url })
    const b = createRedisApiCallCounter({ connection: other, keyPrefix, expireSeconds: 120 })
    const counts = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).increment('acme', 3600)))
    expect(counts.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    const ttl = Number(await connection.command(['TTL', `{${keyPrefix}:org:acme}:calls:3600`]))
    expect(ttl).toBeGreaterThan(100)
    expect(ttl).toBeLessThanOrEqual(120)
    expect(await a.increment('acme', 7200)).toBe(1) // a new window starts at 1
    await other.close()
  })

  it('fails open with an event when Redis cannot answer', async () => {
    const own = await startRedisServer()
    const events: RedisEvent[] = []
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200, onEvent: (e) => events.push(e) })
    const counter = createRedisApiCallCounter({ connection: c })
    expect(await counter.increment('acme', 0)).toBe(1)
    await own.kill()
    expect(await counter.increment('acme', 0)).toBe(0)
    expect(events.filter((e) => e.type === 'redis_counter_failed_open').map((e) => (e as { orgId: string }).orgId)).toEqual(['acme'])
    await c.close()
    await own.stop()
  })

  it('receipts: taken once from any instance, gone once expired', async () => {
    const keyPrefix = `receipts${++n}`
    let nowMs = 1_000_000_000
    const other = await createRedisConnection({ url: server.url })
    const a = createRedisReceiptStore({ connection, keyPrefix, maxAgeSeconds: 60, now: () => new Date(nowMs) })
    const b = createRedisReceiptStore({ connection: other, keyPrefix, maxAgeSeconds: 60, now: () => new Date(nowMs) })
    await a.save(receipt('v1', nowMs / 1000))
    const takes = await Promise.all([a.take('acme', 'v1'), b.take('acme', 'v1'), b.take('acme', 'v1')])
    expect(takes.filter((t) => t !== undefined)).toEqual([receipt('v1', nowMs / 1000)])
    await a.save(receipt('old', nowMs / 1000 - 61)) // already expired: not kept
    expect(await b.take('acme', 'old')).toBeUndefined()
    await a.save(receipt('v2', nowMs / 1000))
    nowMs += 61_000 // older than maxAgeSeconds by the store's clock
    expect(await b.take('acme', 'v2')).toBeUndefined()
    expect((await a.take('../x', 'v').catch((e: unknown) => e)) as { code: string }).toMatchObject({ code: 'invalid_org_id' })
    await other.close()
  })

  it('receipts: 503 when Redis cannot answer', async () => {
    const own = await startRedisServer()
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200 })
    const store = createRedisReceiptStore({ connection: c })
    await own.kill()
    expect(await store.take('acme', 'v1').catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError)
    await c.close()
    await own.stop()
  })

  it('audit: one stream entry per record, trimmed to about maxLength, AuditUnavailableError when Redis is gone', async () => {
    const keyPrefix = `audit${++n}`
    const sink = createRedisAuditSink({ connection, keyPrefix, maxLength: 100 })
    await sink.record({ type: 'api_call', orgId: 'acme' })
    const [entry] = (await connection.command(['XRANGE', `${keyPrefix}:audit`, '-', '+'])) as [string, string[]][]
    expect(entry![1]).toEqual(['orgId', 'acme', 'type', 'api_call', 'event', '{"type":"api_call","orgId":"acme"}'])
    for (let i = 0; i < 1000; i++) await sink.record({ type: 'api_call', orgId: `o${i}` })
    const length = Number(await connection.command(['XLEN', `${keyPrefix}:audit`]))
    expect(length).toBeGreaterThanOrEqual(100)
    expect(length).toBeLessThan(400) // "~": trimmed in whole nodes, never unbounded
    await sink.close()
    expect(await sink.record({ type: 'x', orgId: 'acme' }).catch((e: unknown) => e)).toMatchObject({ code: 'audit_sink_closed' })

    const own = await startRedisServer()
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200 })
    const failing = createRedisAuditSink({ connection: c })
    await own.kill()
    expect(await failing.record({ type: 'api_call', orgId: 'acme' }).catch((e: unknown) => e)).toBeInstanceOf(AuditUnavailableError)
    await c.close()
    await own.stop()
  })
})
