// Test support: the console as a host mounts it — an Express app with the admin API and the
// console behind a cookie session, a protected API route whose real calls fill "Last Successful
// Fetch Time", and organizations in every state the page shows. Everything on 127.0.0.1.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { apiKeyManagementPermission, type Actor, type ChangeAuditEvent, type Organization } from '@tokenward/core/organization'
import { adminApi, tokenward } from '@tokenward/express'
import {
  adminAuthFailure,
  createAdminApi,
  createInMemoryAuditSink,
  createInMemoryOrganizationStore,
  createInMemoryReceiptStore,
  createRegistryVerifier,
  registryGuard,
  type OrganizationStore,
  type RegistryVerifier,
} from '@tokenward/registry'
import { createAdminConsole } from '@tokenward/console'
import express from 'express'

/** Session cookie values → who they sign in. */
export const sessions: Readonly<Record<string, Actor>> = {
  alice: { id: 'alice', permissions: [apiKeyManagementPermission] },
  bob: { id: 'bob', permissions: [] },
}

const year = 365 * 86_400
export function organization(orgId: string, extra: Partial<Organization> = {}): Organization {
  return {
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'] },
    subscriptionValidUntil: Math.floor(Date.now() / 1000) + year,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
    ...extra,
  }
}

export interface ConsoleApp {
  readonly origin: string
  readonly registry: RegistryVerifier
  /** The organizations, for a test that reads them the way another package would (the issuer). */
  readonly store: OrganizationStore
  readonly audit: ReturnType<typeof createInMemoryAuditSink<ChangeAuditEvent>>
  close(): Promise<void>
}

export async function startConsoleApp(organizations: readonly Organization[]): Promise<ConsoleApp> {
  const store = createInMemoryOrganizationStore(organizations)
  const audit = createInMemoryAuditSink<ChangeAuditEvent>()
  const registry = createRegistryVerifier({ store, auditSink: audit, jwks: { addressPolicy: { developmentLoopback: true } } })
  const admin = createAdminApi({
    basePath: '/admin/',
    store,
    receipts: createInMemoryReceiptStore(),
    audit,
    // The host's own login: its session cookie names the admin.
    authenticate: async (request) => {
      const session = /(?:^|;\s*)session=([a-z]+)/.exec(request.headers.get('cookie') ?? '')?.[1]
      const actor = session === undefined ? undefined : sessions[session]
      return actor ?? adminAuthFailure({ status: 401, body: { error: 'unauthorized', message: 'Sign in first' } })
    },
    authorizeOrganization: null,
    addressPolicy: { developmentLoopback: true },
    validateThrottle: false,
    keyStatus: registry.keyStatus,
  })
  let origin = ''
  const page = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `${origin}/orgs/${orgId}/` })
  const app = express()
  app.disable('x-powered-by')
  app.use('/admin', adminApi(admin))
  app.use('/console', adminApi(page))
  app.get('/orgs/:orgId/reports', tokenward({ guard: registryGuard(registry, { param: 'orgId' }) }), (req, res) => {
    res.json({ orgId: req.params.orgId, caller: req.auth?.clientId })
  })
  const server: Server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    registry,
    store,
    audit,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await registry.close()
    },
  }
}
