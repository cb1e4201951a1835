// Test support: an admin API served over real HTTP, with in-memory stores, an audit sink, a real
// tokenward verifier for admin tokens (ES256, inline JWKS) and a test clock.
// Not part of the package (excluded from builds).
import { createVerifier, type Verifier } from '@tokenward/core'
import { apiKeyManagementPermission, type ChangeAuditEvent, type Organization } from '@tokenward/core/organization'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { createInMemoryAuditSink, type InMemoryAuditSink } from '../audit/in-memory-audit-sink.ts'
import { createInMemoryOrganizationStore } from '../store/in-memory-organization-store.ts'
import { createInMemoryReceiptStore } from '../store/in-memory-receipt-store.ts'
import type { OrganizationStore } from '../store/organization-store.ts'
import type { ReceiptStore } from '../store/receipt-store.ts'
import type { AdminApiOptions } from './admin-api-options.ts'
import { adminAuthenticator } from './admin-authenticator.ts'
import { createAdminApi } from './create-admin-api.ts'
import { serveWebHandler, type RunningServer } from './http-bridge.test-support.ts'

/** 2026-01-01T00:00:00Z */
export const t0 = Date.UTC(2026, 0, 1)
export const adminIssuer = 'https://admin.test'

export interface AdminIssuer {
  readonly verifier: Verifier
  mint(claims?: Record<string, unknown>, options?: { expiresIn?: number }): Promise<string>
}

/** An admin authorization server: an ES256 key, a verifier with its public key inline, and a token minter. */
export async function makeAdminIssuer(clock: () => number): Promise<AdminIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'admin-1', alg: 'ES256', use: 'sig' }
  const verifier = createVerifier({
    server: { name: 'Admin', jwks: { keys: [publicJwk] as never }, issuer: adminIssuer },
    clock,
    cache: false,
  })
  return {
    verifier,
    mint: (claims = {}, options = {}) => signToken(privateKey, clock, claims, options.expiresIn ?? 300),
  }
}

async function signToken(key: CryptoKey, clock: () => number, claims: Record<string, unknown>, expiresIn: number): Promise<string> {
  const now = Math.floor(clock() / 1000)
  return new SignJWT({ client_id: 'admin-console', sub: 'alice', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'admin-1', typ: 'at+jwt' })
    .setIssuer(adminIssuer)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key)
}

/** A key pair's public JWK, for a JWKS an org's authorization server publishes. */
export async function makePublicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256')
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }
}

export const orgId = 'acme'

/** An active organization without servers (subscription valid for a year after t0). */
export function makeOrg(extra: Partial<Organization> = {}): Organization {
  return {
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'] },
    subscriptionValidUntil: Math.floor(t0 / 1000) + 365 * 86400,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
    ...extra,
  }
}

export interface Harness {
  readonly origin: string
  readonly base: string
  readonly store: OrganizationStore
  readonly receipts: ReceiptStore
  readonly sink: InMemoryAuditSink<ChangeAuditEvent>
  readonly issuer: AdminIssuer
  readonly errors: unknown[]
  /** The test clock, in ms. */
  now: number
  /** A token with the API Key Management permission. */
  readonly adminToken: string
  /** A token without it. */
  readonly readerToken: string
  call(method: string, path: string, init?: CallInit): Promise<CallResult>
  close(): Promise<void>
}

export interface CallInit {
  /** Sent as JSON (`content-type: application/json`) unless it is a string. */
  readonly body?: unknown
  readonly token?: string | null
  readonly headers?: Record<string, string>
}

export interface CallResult {
  readonly status: number
  readonly headers: Headers
  /** Parsed JSON, or `undefined` for an empty body. */
  readonly body: any
}

export interface HarnessOptions {
  readonly organizations?: readonly Organization[]
  readonly basePath?: string
  readonly overrides?: Partial<AdminApiOptions>
  readonly wrapStore?: (store: OrganizationStore) => OrganizationStore
}

/** Starts the admin API over HTTP on 127.0.0.1 with in-memory everything. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const state = { now: t0 }
  const clock = (): number => state.now
  const issuer = await makeAdminIssuer(clock)
  const memoryStore = createInMemoryOrganizationStore(options.organizations ?? [makeOrg()])
  const store = options.wrapStore?.(memoryStore) ?? memoryStore
  const receipts = createInMemoryReceiptStore({ now: () => new Date(clock()) })
  const sink = createInMemoryAuditSink<ChangeAuditEvent>()
  const errors: unknown[] = []
  const basePath = options.basePath ?? '/admin/'
  const api = createAdminApi({
    store,
    receipts,
    audit: sink,
    authenticate: adminAuthenticator({ verifier: issuer.verifier }),
    authorizeOrganization: null,
    basePath,
    clock,
    onError: (error) => errors.push(error),
    // The test JWKS servers listen on http://127.0.0.1; tests of the default policy override this.
    addressPolicy: { developmentLoopback: true },
    ...options.overrides,
  })
  const server: RunningServer = await serveWebHandler(api)
  // Long-lived, so tests may move the clock past receipt and subscription limits.
  const longLived = { expiresIn: 400 * 86400 }
  const adminToken = await issuer.mint({ permissions: [apiKeyManagementPermission] }, longLived)
  const readerToken = await issuer.mint({ sub: 'bob', permissions: 'read_reports other' }, longLived)
  const base = `${server.origin}${basePath.endsWith('/') ? basePath : `${basePath}/`}`

  const call = async (method: string, path: string, init: CallInit = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...init.headers }
    const token = init.token === undefined ? adminToken : init.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    let body: string | undefined
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    }
    const response = await fetch(new URL(path, base), { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
  }

  return {
    origin: server.origin,
    base,
    store,
    receipts,
    sink,
    issuer,
    errors,
    get now() {
      return state.now
    },
    set now(value: number) {
      state.now = value
    },
    adminToken,
    readerToken,
    call,
    async close() {
      await server.close()
      await issuer.verifier.close()
    },
  }
}

/** The organization's stored revision. */
export async function revisionOf(h: Harness, id = orgId): Promise<number | undefined> {
  return (await h.store.get(id))?.revision
}

/** An inline-keys server config (needs no validation receipt). */
export function inlineServer(name: string, jwk: JWK, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, jwks: { keys: [jwk] }, issuer: `https://${name.toLowerCase()}.example.com`, audience: 'api://acme', clientId: 'client-1', ...extra }
}
