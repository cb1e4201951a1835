import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { pageAuditEvents, type AuditQuery } from '../audit/audit-query.ts'
import { createInMemoryAuditSink } from '../audit/in-memory-audit-sink.ts'
import { createJsonlAuditSink } from '../node/jsonl-audit-sink.ts'
import { inlineServer, makeOrg, makePublicJwk, orgId, startHarness, t0, type Harness } from './admin-fixture.test-support.ts'

const change = (n: number, extra: Record<string, unknown> = {}) => ({ type: 'authorization_server_change', orgId: 'acme', action: 'add_server', actor: 'alice', at: 1000 + n, result: 'accepted', n, ...extra })
const log = [
  change(0),
  change(1, { orgId: 'globex' }),
  { type: 'api_call', orgId: 'acme', adminId: 'oauth-ReadOnly$@acme.zscloud.net', clientId: 'c1', outcome: 'allowed', at: 1002, n: 2 },
  { type: 'admin_access_denied', orgId: 'acme', actor: 'mallory', operation: 'list_servers', at: 1003, n: 3 },
  change(4, { action: 'delete_server', actor: 'bob' }),
  change(5),
].map((event, position) => ({ event, position }))
const ns = (q: Partial<AuditQuery>) => pageAuditEvents(log, { orgId: 'acme', limit: 10, ...q }).events.map((e) => (e as unknown as { n: number }).n)

describe('pageAuditEvents (pure)', () => {
  it.each<[string, Partial<AuditQuery>, number[]]>([
    ['newest first, only the organization, never cross-tenant records', {}, [5, 4, 2, 0]],
    ['from (inclusive) and to (exclusive)', { from: 1002, to: 1005 }, [4, 2]],
    ['by action', { action: 'add_server' }, [5, 0]],
    ['API calls by admin ID', { actor: 'oauth-ReadOnly$@acme.zscloud.net' }, [2]],
    ['by actor', { actor: 'bob' }, [4]],
    ['another organization sees only its own', { orgId: 'globex' }, [1]],
  ])('%s', (_name, q, expected) => {
    expect(ns(q)).toEqual(expected)
  })

  it('pages with a cursor until the end', () => {
    const first = pageAuditEvents(log, { orgId: 'acme', limit: 3 })
    expect(first.events.map((e) => (e as unknown as { n: number }).n)).toEqual([5, 4, 2])
    expect(first.next).toBe('2')
    const second = pageAuditEvents(log, { orgId: 'acme', limit: 3, cursor: first.next as string })
    expect(second.events.map((e) => (e as unknown as { n: number }).n)).toEqual([0])
    expect(second.next).toBeNull()
    expect(pageAuditEvents(log, { orgId: 'acme', limit: 4 }).next).toBeNull()
  })
})

describe('the audit sinks answer queries', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('in memory: cursors stay valid after old events are dropped, and pages are copies', async () => {
    const sink = createInMemoryAuditSink({ maxEvents: 3 })
    for (let n = 0; n < 5; n++) await sink.record(change(n))
    const page = await sink.query({ orgId: 'acme', limit: 2 })
    expect(page.events.map((e) => (e as unknown as { n: number }).n)).toEqual([4, 3])
    ;(page.events[0] as unknown as { n: number }).n = 99
    const older = await sink.query({ orgId: 'acme', limit: 2, cursor: page.next as string })
    expect(older.events.map((e) => (e as unknown as { n: number }).n)).toEqual([2])
    expect((await sink.query({ orgId: 'acme', limit: 1 })).events.map((e) => (e as unknown as { n: number }).n)).toEqual([4])
  })

  it('JSON lines: reads the file back after pending records', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenward-audit-query-'))
    const sink = await createJsonlAuditSink({ path: join(dir, 'audit.jsonl'), fsync: 'none' })
    void sink.record(change(0))
    void sink.record(change(1, { action: 'edit_server' }))
    const page = await sink.query({ orgId: 'acme', limit: 10, action: 'edit_server' })
    expect(page.events.map((e) => (e as unknown as { n: number }).n)).toEqual([1])
    await sink.close()
  })
})

describe('GET …/audit-logs', () => {
  let open: Harness[] = []
  afterEach(async () => {
    await Promise.all(open.map((h) => h.close()))
    open = []
  })

  it("lists the organization's changes newest first, filtered and paged, with the permission only", async () => {
    const h = await startHarness({ organizations: [makeOrg(), makeOrg({ orgId: 'globex' })] })
    open.push(h)
    const servers = `orgs/${orgId}/authorization-servers`
    const jwk = await makePublicJwk('k1')
    expect((await h.call('POST', servers, { body: inlineServer('Okta1', jwk) })).status).toBe(201)
    h.now += 60_000
    expect((await h.call('POST', `${servers}/Okta1/disable`)).status).toBe(200)
    expect((await h.call('POST', `orgs/globex/authorization-servers`, { body: inlineServer('Globex1', jwk) })).status).toBe(201)

    const all = await h.call('GET', `orgs/${orgId}/audit-logs`)
    expect(all.status).toBe(200)
    expect(all.headers.get('cache-control')).toBe('no-store')
    expect(all.body.entries.map((e: { action: string }) => e.action)).toEqual(['disable_server', 'add_server'])
    expect(all.body.entries[1]).toMatchObject({ actor: 'alice', outcome: 'accepted', at: new Date(t0).toISOString() })

    const paged = await h.call('GET', `orgs/${orgId}/audit-logs?limit=1`)
    expect(paged.body.entries).toHaveLength(1)
    const older = await h.call('GET', `orgs/${orgId}/audit-logs?limit=1&cursor=${paged.body.next}`)
    expect(older.body.entries.map((e: { action: string }) => e.action)).toEqual(['add_server'])

    const since = await h.call('GET', `orgs/${orgId}/audit-logs?from=${new Date(t0 + 30_000).toISOString()}&action=disable_server&actor=alice`)
    expect(since.body.entries.map((e: { action: string }) => e.action)).toEqual(['disable_server'])

    const bad = await h.call('GET', `orgs/${orgId}/audit-logs?limit=1000&from=yesterday&sort=asc`)
    expect(bad.status).toBe(400)
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['from', 'limit', 'sort'])

    expect((await h.call('GET', `orgs/${orgId}/audit-logs`, { token: h.readerToken })).status).toBe(403)
  })

  it('answers 501 when the audit sink cannot be read back', async () => {
    const h = await startHarness({ overrides: { audit: { record: async () => undefined, close: async () => undefined } } })
    open.push(h)
    expect((await h.call('GET', `orgs/${orgId}/audit-logs`)).body.error).toBe('audit_query_unsupported')
  })
})
