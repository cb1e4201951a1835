// Hole 3: unauthenticated requests cannot flood the audit trail or stall other requests. Real
// file store, real fsynced JSON-lines audit log, real JWKS server on 127.0.0.1.
import { defineAuthorizationServer } from '@tokenward/core'
import { type AuditEvent, type Organization } from '@tokenward/core/organization'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import type { AuditSink } from './audit/audit-sink.ts'
import { createInMemoryAuditSink } from './audit/in-memory-audit-sink.ts'
import { AuditSinkClosedError } from './errors.ts'
import { makeTempDir } from './node/child-process.test-support.ts'
import { createFileOrganizationStore } from './node/file-organization-store.ts'
import { createJsonlAuditSink, type AuditBatchWritten } from './node/jsonl-audit-sink.ts'
import { readAuditLog } from './node/read-audit-log.ts'
import { createRegistryVerifier, type RegistryAuditEvent, type RegistryVerifier, type RegistryVerifierOptions } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'

let key: TestKey
let jwks: JwksServer
const cleanups: (() => Promise<void>)[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const organization = (): Organization => ({
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })],
  revision: 1,
})

function registry(options: RegistryVerifierOptions): RegistryVerifier {
  const r = createRegistryVerifier({ keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } }, ...options })
  cleanups.push(() => r.close())
  return r
}
const request = (token: string) => ({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } })
const garbage = (i: number) => `eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.${Buffer.from(JSON.stringify({ n: i })).toString('base64url')}.c2ln`

async function fileSetup() {
  const { dir, remove } = await makeTempDir('registry-audit')
  const store = await createFileOrganizationStore({ directory: join(dir) })
  await store.put(organization(), undefined)
  const batches: AuditBatchWritten[] = []
  const path = join(dir, 'audit.jsonl')
  const sink = await createJsonlAuditSink<RegistryAuditEvent>({ path, onBatchWritten: (b) => batches.push(b) })
  cleanups.push(remove, () => store.close(), () => sink.close())
  return { store, sink, batches, path }
}

describe('registry verifier: audit under a flood', () => {
  it('1,500 garbage tokens write a bounded number of lines, and a valid request behind them waits for at most two fsync batches', async () => {
    const { store, sink, batches, path } = await fileSetup()
    const r = registry({ store, auditSink: sink, deniedAudit: { individualRecords: 10, windowSeconds: 60 } })
    const token = await mint(key)
    // Warm: keys fetched, organization held; the same valid request alone, as the baseline.
    expect((await r.verifyRequest(request(token), { orgId: '12345' })).ok).toBe(true)
    const aloneStart = performance.now()
    expect((await r.verifyRequest(request(token), { orgId: '12345' })).ok).toBe(true)
    const aloneMs = performance.now() - aloneStart

    const flood = Array.from({ length: 1500 }, (_, i) => r.verifyRequest(request(garbage(i)), { orgId: '12345' }))
    const batchesBefore = batches.length
    const validStart = performance.now()
    const valid = await r.verifyRequest(request(token), { orgId: '12345' })
    const validMs = performance.now() - validStart
    const batchesWaited = batches.length - batchesBefore
    const refused = await Promise.all(flood)
    expect(valid.ok).toBe(true)
    expect(refused.every((v) => !v.ok && v.response.status === 401)).toBe(true)
    // Its own record needed at most the batch in progress and its own: never 1,500 fsyncs.
    expect(batchesWaited).toBeLessThanOrEqual(2)

    await r.close() // writes the window's summary
    await sink.close()
    const { events } = await readAuditLog<RegistryAuditEvent>(path)
    const denied = events.filter((e) => e.type === 'api_call' && e.outcome === 'denied')
    const summaries = events.filter((e) => e.type === 'api_calls_denied_summary')
    expect(denied).toHaveLength(10)
    expect(summaries).toEqual([expect.objectContaining({ orgId: '12345', recordedIndividually: 10, counts: { invalid_signature: 1490 } })])
    expect(events.filter((e) => e.type === 'api_call' && e.outcome === 'allowed')).toHaveLength(3)
    expect(events.length).toBe(14)
    // Loose on timing (a loaded 2-core machine): the flood may not cost the valid request 50×.
    expect(validMs / Math.max(aloneMs, 1)).toBeLessThan(50)
  })

  it('fail-closed (default): an allowed call whose record cannot be written gets 503 audit_unavailable, never a 500; the failure is reported', async () => {
    const errors: unknown[] = []
    const broken: AuditSink<AuditEvent> = { record: () => Promise.reject(new AuditSinkClosedError()), close: async () => {} }
    const r = registry({ store: createInMemoryOrganizationStore([organization()]), auditSink: broken, onError: (e) => errors.push(e) })
    const v = await r.verifyRequest(request(await mint(key)), { orgId: '12345' })
    expect(!v.ok && [v.response.status, v.error.code, v.response.headers['retry-after']]).toEqual([503, 'audit_unavailable', '5'])
    expect(errors).toEqual([expect.any(AuditSinkClosedError)])
    // A refused call does not wait for the sink and is not turned into a 503.
    const bad = await r.verifyRequest(request(garbage(1)), { orgId: '12345' })
    expect(!bad.ok && bad.response.status).toBe(401)
  })

  it('fail-open lets the allowed call through and reports the failure', async () => {
    const errors: unknown[] = []
    const broken: AuditSink<AuditEvent> = { record: () => Promise.reject(new Error('disk full')), close: async () => {} }
    const r = registry({ store: createInMemoryOrganizationStore([organization()]), auditSink: broken, auditFailure: 'fail-open', onError: (e) => errors.push(e) })
    expect((await r.verifyRequest(request(await mint(key)), { orgId: '12345' })).ok).toBe(true)
    expect(errors).toHaveLength(1)
  })

  it('checks its audit options when built', () => {
    const store = createInMemoryOrganizationStore()
    expect(() => createRegistryVerifier({ store, auditFailure: 'maybe' as 'fail-open', deniedAudit: { windowSeconds: 0 }, organizationRecheckMs: -1 })).toThrow(
      /auditFailure.*organizationRecheckMs|organizationRecheckMs.*auditFailure/s,
    )
    try {
      createRegistryVerifier({ store, auditFailure: 'maybe' as 'fail-open', deniedAudit: { windowSeconds: 0 }, organizationRecheckMs: -1 })
      expect.unreachable()
    } catch (e) {
      expect((e as { issues: { path: string }[] }).issues.map((i) => i.path).sort()).toEqual(['auditFailure', 'deniedAudit.windowSeconds', 'organizationRecheckMs'])
    }
  })

  it('writes the summary of a finished window without traffic, on the schedule', async () => {
    const sink = createInMemoryAuditSink<RegistryAuditEvent>()
    const scheduled: (() => void)[] = []
    let clock = Date.UTC(2026, 0, 1, 0, 0, 5)
    const r = registry({
      store: createInMemoryOrganizationStore([organization()]),
      auditSink: sink,
      clock: () => clock,
      deniedAudit: { individualRecords: 1, windowSeconds: 60 },
      timers: { setTimeout: (run) => scheduled.push(run), clearTimeout: () => {} },
    })
    for (let i = 0; i < 4; i++) await r.verifyRequest(request(garbage(i)), { orgId: '12345' })
    expect(sink.events.map((e) => e.type)).toEqual(['api_call'])
    clock += 60_000
    scheduled.shift()!()
    await Promise.resolve()
    expect(sink.events.map((e) => e.type)).toEqual(['api_call', 'api_calls_denied_summary'])
    expect(sink.events[1]).toMatchObject({ recordedIndividually: 1, counts: { invalid_signature: 3 } })
  })
})
