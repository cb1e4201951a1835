import { describe, expect, it } from 'vitest'
import { createInMemoryAuditSink } from '../audit/in-memory-audit-sink.ts'
import { RegistryConfigError } from '../errors.ts'
import { createInMemoryOrganizationStore } from '../store/in-memory-organization-store.ts'
import { createInMemoryReceiptStore } from '../store/in-memory-receipt-store.ts'
import { resolveAdminApiOptions, type AdminApiOptions } from './admin-api-options.ts'
import { createAdminApi } from './create-admin-api.ts'

const valid: AdminApiOptions = {
  store: createInMemoryOrganizationStore(),
  receipts: createInMemoryReceiptStore(),
  audit: createInMemoryAuditSink(),
  authenticate: async () => ({ id: 'alice', permissions: [] }),
  authorizeOrganization: null,
}

function issuesOf(options: unknown): string[] {
  try {
    resolveAdminApiOptions(options as AdminApiOptions)
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryConfigError)
    return (e as RegistryConfigError).issues.map((i) => i.path)
  }
  return []
}

describe('resolveAdminApiOptions', () => {
  it('fills in the defaults', () => {
    const r = resolveAdminApiOptions(valid)
    expect(r).toMatchObject({ basePath: '/', auditRejected: true, crossTenantAudit: { maxRecords: 10, windowSeconds: 60 }, maxBodyBytes: 65536, receiptMaxAgeSeconds: undefined, keyStatus: undefined })
    expect(resolveAdminApiOptions({ ...valid, basePath: '/admin' }).basePath).toBe('/admin/')
  })

  it('names every bad option', () => {
    expect(
      issuesOf({
        store: {},
        receipts: { save: () => undefined },
        audit: null,
        authenticate: 'yes',
        basePath: 'admin',
        clock: 5,
        auditRejected: 'no',
        maxBodyBytes: 10,
        receiptMaxAgeSeconds: -1,
      }),
    ).toEqual(['store', 'receipts', 'audit', 'authenticate', 'authorizeOrganization', 'basePath', 'clock', 'auditRejected', 'maxBodyBytes', 'receiptMaxAgeSeconds'])
    expect(issuesOf({ ...valid, basePath: '/admin?x' })).toEqual(['basePath'])
    expect(issuesOf({ ...valid, authorizeOrganization: undefined })).toEqual(['authorizeOrganization'])
    expect(issuesOf({ ...valid, crossTenantAudit: { maxRecords: 0, windowSeconds: Number.NaN } })).toEqual(['crossTenantAudit.maxRecords', 'crossTenantAudit.windowSeconds'])
    expect(issuesOf({ ...valid, crossTenantAudit: true })).toEqual(['crossTenantAudit'])
    // Paths are matched as the host routed them: a base path URL parsing would rewrite never matches.
    for (const basePath of ['/a/../admin/', '/a/./b', '/admin\\x/']) expect([basePath, issuesOf({ ...valid, basePath })]).toEqual([basePath, ['basePath']])
  })

  it('is checked when the API is built', () => {
    expect(() => createAdminApi({ ...valid, maxBodyBytes: 0 })).toThrow(RegistryConfigError)
  })

  it('keeps a throwing onError from failing the answer', async () => {
    const api = createAdminApi({ ...valid, authenticate: async () => Promise.reject(new Error('boom')), onError: () => { throw new Error('again') } })
    const r = await api(new Request('http://127.0.0.1/orgs/acme/authorization-servers'))
    expect(r.status).toBe(500)
  })

  it('answers 500 when authenticate resolves to something that is not an actor', async () => {
    const errors: unknown[] = []
    const api = createAdminApi({ ...valid, authenticate: async () => ({ id: '' , permissions: [] }), onError: (e) => errors.push(e) })
    const r = await api(new Request('http://127.0.0.1/orgs/acme/authorization-servers'))
    expect(r.status).toBe(500)
    expect(errors[0]).toBeInstanceOf(TypeError)
  })
})
