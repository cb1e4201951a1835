// The registry's one write path, against the real in-memory store and audit sink; outages and
// races are made by wrapping the store, not by mocking the rules.
import { isUnavailableError } from '@tokenward/core'
import { apiKeyManagementPermission, systemActor, type Actor, type ChangeAuditEvent, type Organization } from '@tokenward/core/organization'
import { describe, expect, it } from 'vitest'
import { createInMemoryAuditSink } from '../audit/in-memory-audit-sink.ts'
import { InvalidOrgIdError, StoreLockTimeoutError } from '../errors.ts'
import { createInMemoryOrganizationStore } from '../store/in-memory-organization-store.ts'
import { sampleOrganization } from '../store/organization-store-contract.test-support.ts'
import type { OrganizationStore } from '../store/organization-store.ts'
import { changeOrganization, type OrganizationChange } from './change-organization.ts'

const now = 1_800_000_000
const alice: Actor = { id: 'alice', permissions: [apiKeyManagementPermission] }
const disable = { type: 'disable_server', name: 'Okta1' } as const

function setUp(org: Organization = sampleOrganization('acme', 1)) {
  const store = createInMemoryOrganizationStore([org])
  const audit = createInMemoryAuditSink<ChangeAuditEvent>()
  const calls = { put: 0 }
  const counted: OrganizationStore = {
    ...store,
    get: (id) => store.get(id),
    put: (next, expected) => {
      calls.put++
      return store.put(next, expected)
    },
  }
  return { store, counted, audit, calls }
}

const change = (extra: Partial<OrganizationChange> = {}): OrganizationChange => ({ orgId: 'acme', command: disable, actor: alice, now, ...extra })

describe('changeOrganization', () => {
  it('reads, applies, writes the next revision, then audits every event in order', async () => {
    const { store, audit } = setUp()
    const r = await changeOrganization(store, audit, change())
    expect(r.kind).toBe('changed')
    expect((await store.get('acme'))?.revision).toBe(2)
    expect((await store.get('acme'))?.authorizationServers[0]?.enabled).toBe(false)
    expect(audit.events.map((e) => [e.action, e.result, e.actor])).toEqual([['disable_server', 'accepted', 'alice']])
    expect(r.kind === 'changed' && r.outcome.notices.map((n) => n.code)).toEqual(['clients_lose_access'])
  })

  it('writes nothing and audits nothing when the command changes nothing', async () => {
    const { counted, audit, calls } = setUp()
    await changeOrganization(counted, audit, change())
    const again = await changeOrganization(counted, audit, change())
    expect(again.kind).toBe('unchanged')
    expect(calls.put).toBe(1)
    expect(audit.events).toHaveLength(1)
  })

  it('answers not_found for an unknown organization, and precondition_failed when ifRevision refuses', async () => {
    const { store, audit } = setUp()
    expect(await changeOrganization(store, audit, change({ orgId: 'globex' }))).toEqual({ kind: 'not_found' })
    expect(await changeOrganization(store, audit, change({ ifRevision: (rev) => rev === 7 }))).toEqual({ kind: 'precondition_failed', currentRevision: 1 })
    expect((await store.get('acme'))?.revision).toBe(1)
    expect(audit.events).toEqual([])
  })

  it('audits a refused command (unless told not to) and writes nothing', async () => {
    const { store, audit } = setUp()
    const reader: Actor = { id: 'bob', permissions: [] }
    const r = await changeOrganization(store, audit, change({ actor: reader }))
    expect(r).toMatchObject({ kind: 'refused', violation: { code: 'permission_denied', status: 403 }, auditError: undefined })
    expect(audit.events.map((e) => [e.result, e.actor])).toEqual([['rejected', 'bob']])
    await changeOrganization(store, audit, change({ actor: reader, auditRefusals: false }))
    expect(audit.events).toHaveLength(1)
    expect((await store.get('acme'))?.revision).toBe(1)
  })

  it('retries a lost race from a fresh read, at most `attempts` times and never more than 5', async () => {
    for (const [attempts, puts] of [[1, 1], [3, 3], [99, 5]] as const) {
      const { store, audit } = setUp()
      let puts_ = 0
      // Another writer always gets in between our read and our write.
      const contended: OrganizationStore = {
        ...store,
        get: (id) => store.get(id),
        put: async (next, expected) => {
          puts_++
          const current = (await store.get(next.orgId)) as Organization
          await store.put({ ...current, revision: current.revision + 1 }, current.revision)
          return store.put(next, expected)
        },
      }
      const r = await changeOrganization(contended, audit, change({ attempts }))
      expect([attempts, r.kind, puts_]).toEqual([attempts, 'conflict', puts])
      expect(audit.events).toEqual([])
    }
  })

  it('wins on a retry when the race is lost once', async () => {
    const { store, audit } = setUp()
    let raced = false
    const once: OrganizationStore = {
      ...store,
      get: (id) => store.get(id),
      put: async (next, expected) => {
        if (!raced) {
          raced = true
          const current = (await store.get(next.orgId)) as Organization
          await store.put({ ...current, cloud: 'other', revision: current.revision + 1 }, current.revision)
        }
        return store.put(next, expected)
      },
    }
    const r = await changeOrganization(once, audit, change({ attempts: 2 }))
    expect(r.kind).toBe('changed')
    expect(await store.get('acme')).toMatchObject({ revision: 3, cloud: 'other' })
  })

  it('turns a store outage on read or write into unavailable (503 family), writing and auditing nothing', async () => {
    const cases: [string, (store: OrganizationStore) => OrganizationStore, number][] = [
      ['read fails', (s) => ({ ...s, get: async () => Promise.reject(new Error('ECONNRESET')) }), 5],
      ['write fails', (s) => ({ ...s, get: (id) => s.get(id), put: async () => Promise.reject(new Error('EIO: disk')) }), 5],
      ['lock timeout', (s) => ({ ...s, get: (id) => s.get(id), put: async () => Promise.reject(new StoreLockTimeoutError('/x/acme.lock', 15_000)) }), 1],
    ]
    for (const [label, wrap, retryAfter] of cases) {
      const { store, audit } = setUp()
      const r = await changeOrganization(wrap(store), audit, change({ attempts: 5 }))
      expect([label, r.kind]).toEqual([label, 'unavailable'])
      if (r.kind !== 'unavailable') continue
      expect(isUnavailableError(r.error)).toBe(true)
      expect(r.error).toMatchObject({ code: 'store_unavailable', reason: 'store', status: 503, retryAfterSeconds: retryAfter })
      expect(r.error.cause).toBeInstanceOf(Error)
      expect((await store.get('acme'))?.revision).toBe(1)
      expect(audit.events).toEqual([])
    }
  })

  it('throws programming errors instead of calling them outages', async () => {
    const { store, audit } = setUp()
    await expect(changeOrganization(store, audit, change({ orgId: '../acme' }))).rejects.toBeInstanceOf(InvalidOrgIdError)
  })

  it('keeps a saved change when its audit record fails, and says so', async () => {
    const { store } = setUp()
    const failing = { record: async () => Promise.reject(new Error('disk full')) }
    const r = await changeOrganization(store, failing, change())
    expect(r).toMatchObject({ kind: 'changed', auditError: { code: 'audit_unavailable', reason: 'audit' } })
    expect((await store.get('acme'))?.revision).toBe(2)
  })

  it('suspends for the system actor, once', async () => {
    const { store, audit } = setUp()
    const suspend = change({ command: { type: 'suspend', reason: 'api_call_threshold_exceeded' }, actor: systemActor, attempts: 5 })
    expect((await changeOrganization(store, audit, suspend)).kind).toBe('changed')
    expect((await changeOrganization(store, audit, suspend)).kind).toBe('unchanged')
    expect((await store.get('acme'))?.suspension).toEqual({ reason: 'api_call_threshold_exceeded', since: now })
  })
})
