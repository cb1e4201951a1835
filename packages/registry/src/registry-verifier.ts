/**
 * Verification that consults the organization registry: a request for organization X is checked
 * against X's single enabled authorization server, with X's API roles; a disabled, suspended or
 * expired organization gets `server_disabled`; every change in the registry takes effect on the
 * next request; authorized calls are counted against an API-call threshold and audited.
 *
 * @module
 */
import {
  ServerDisabledError,
  activeServer,
  apiCallAuditEvent,
  createInMemoryApiCallCounter,
  createVerifier,
  decideApiCall,
  defineAddressPolicy,
  organizationAccessOf,
  renderChallenge,
  systemActor,
  windowStart,
  type ApiCallCounter,
  type ApiCallThreshold,
  type AuditEvent,
  type CreateVerifierOptions,
  type Organization,
  type RequestVerdict,
  type TokenRequest,
  type VerificationError,
  type Verifier,
} from '@tokenward/core'
import { changeOrganization } from './write/change-organization.ts'
import type { AuditSink } from './audit/audit-sink.ts'
import type { OrganizationStore } from './store/organization-store.ts'

/** Options of {@link createRegistryVerifier}. */
export interface RegistryVerifierOptions
  extends Pick<CreateVerifierOptions, 'jwks' | 'cache' | 'realm' | 'onEvent' | 'fetch' | 'clock'> {
  /** Where organizations live; read on every request so changes apply at once. */
  readonly store: OrganizationStore
  /** Receives an `api_call` event for every authorized call (and, by default, every denied one). */
  readonly auditSink?: AuditSink<AuditEvent> | undefined
  /** Also audit refused calls. Default `true`. */
  readonly auditDenied?: boolean | undefined
  /** The claim whose value names the caller in audit records. Default `sub`. */
  readonly subjectClaim?: string | undefined
  /** Suspend an organization (reason `api_call_threshold_exceeded`) when it exceeds this many calls per window. Default: no limit. */
  readonly apiCallThreshold?: ApiCallThreshold | undefined
  /** Counts calls per organization and window. Default: in memory (per process). */
  readonly apiCallCounter?: ApiCallCounter | undefined
}

/** Which organization a request is for, and what this route accepts. */
export interface RegistryTarget {
  readonly orgId: string
  /** Accept only these API roles for this route (a subset of the organization's roles). */
  readonly requiredRoles?: readonly string[] | undefined
}

/** A verifier for every organization of a registry. */
export interface RegistryVerifier {
  /** Verifies a request for one organization. Never rejects for a bad token: the verdict carries the HTTP answer. */
  verifyRequest(request: TokenRequest, target: RegistryTarget): Promise<RequestVerdict>
  /** When the keys of an organization's server were last fetched (for the admin API's list). */
  keyStatus(orgId: string, serverName: string): Promise<Date | undefined>
  /** Stops every per-organization verifier. */
  close(): Promise<void>
}

interface Entry {
  readonly key: string
  readonly serverName: string
  readonly verifier: Verifier
}

/** How long a replaced verifier keeps serving requests already in flight before it is closed. */
const retireAfterMs = 30_000

/**
 * Creates a registry-aware verifier. One underlying verifier (with its key cache) is kept per
 * organization and rebuilt whenever the organization's enabled server or API roles change, so no
 * cached verification survives an edit, a disable or a delete. JWKS URLs come from tenants, so
 * `jwks.addressPolicy` defaults to the strict policy `{}` (public https only, checked at connect
 * time; see `defineAddressPolicy`); `null` opts out.
 *
 * @example
 * ```ts
 * const registry = createRegistryVerifier({ store, auditSink, apiCallThreshold: { maxCalls: 10_000, windowSeconds: 3600 } })
 * const verdict = await registry.verifyRequest({ method: req.method, url: req.url, headers: req.headers }, { orgId: '12345' })
 * ```
 */
export function createRegistryVerifier(options: RegistryVerifierOptions): RegistryVerifier {
  const now = options.clock ?? Date.now
  const counter = options.apiCallCounter ?? createInMemoryApiCallCounter()
  const subjectClaim = options.subjectClaim ?? 'sub'
  const auditDenied = options.auditDenied ?? true
  const entries = new Map<string, Entry>()
  let closed = false
  const addressPolicy = options.jwks?.addressPolicy === null ? null : defineAddressPolicy(options.jwks?.addressPolicy ?? {})

  const verifierFor = (org: Organization, server: Organization['authorizationServers'][number]): Entry => {
    const access = organizationAccessOf(org)
    const key = JSON.stringify([server, access])
    const existing = entries.get(org.orgId)
    if (existing?.key === key) return existing
    if (existing !== undefined) retire(existing.verifier)
    const entry: Entry = {
      key,
      serverName: server.name,
      verifier: createVerifier({
        server,
        organization: access,
        jwks: { ...options.jwks, addressPolicy },
        ...(options.cache === undefined ? {} : { cache: options.cache }),
        ...(options.realm === undefined ? {} : { realm: options.realm }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }),
    }
    entries.set(org.orgId, entry)
    return entry
  }

  const refuse = (error: VerificationError): RequestVerdict => ({ ok: false, error, response: renderChallenge(error, { realm: options.realm }) })

  const audit = async (event: AuditEvent): Promise<void> => {
    if (options.auditSink !== undefined) await options.auditSink.record(event)
  }

  const suspendForThreshold = async (orgId: string): Promise<void> => {
    const command = { type: 'suspend', reason: 'api_call_threshold_exceeded' } as const
    const r = await changeOrganization(options.store, options.auditSink, { orgId, command, actor: systemActor, now: Math.floor(now() / 1000), attempts: 5, auditRefusals: false })
    if (r.kind === 'unavailable') throw r.error
    if (r.kind === 'changed' && r.auditError !== undefined) throw r.auditError
  }

  return {
    async verifyRequest(request, target) {
      if (closed) throw new Error('This registry verifier is closed')
      const org = await options.store.get(target.orgId)
      const nowSeconds = Math.floor(now() / 1000)
      if (org === undefined) return refuse(new ServerDisabledError(`No authorization server is registered for organization ${target.orgId}`))
      const active = activeServer(org, nowSeconds)
      if (!active.ok) {
        const server = entries.get(org.orgId)
        if (server !== undefined) {
          // Nothing of a disabled, suspended or expired organization stays cached.
          entries.delete(org.orgId)
          retire(server.verifier)
        }
        return refuse(new ServerDisabledError(active.message, { expected: 'enabled', actual: active.reason }))
      }
      const entry = verifierFor(org, active.server)
      const verdict = await entry.verifier.verifyRequest(request, target.requiredRoles === undefined ? undefined : { requiredRoles: target.requiredRoles })
      if (!verdict.ok) {
        if (auditDenied && verdict.error.code !== 'missing_token') {
          await audit(apiCallAuditEvent({ orgId: org.orgId, authorizationServer: entry.serverName, outcome: 'denied', code: verdict.error.code, at: nowSeconds }))
        }
        return verdict
      }
      const token = verdict.token
      const subject = token.claims[subjectClaim]
      const auditFields = {
        orgId: org.orgId,
        authorizationServer: entry.serverName,
        adminId: token.authorization?.adminId,
        clientId: token.clientId,
        subject: typeof subject === 'string' ? subject : undefined,
        at: nowSeconds,
      }
      if (options.apiCallThreshold !== undefined) {
        const count = await counter.increment(org.orgId, windowStart(nowSeconds, options.apiCallThreshold.windowSeconds))
        const decision = decideApiCall(count, options.apiCallThreshold)
        if (decision.crossed) await suspendForThreshold(org.orgId)
        if (!decision.allowed) {
          const error = new ServerDisabledError(`Organization ${org.orgId} exceeded its API-call threshold and is suspended`, {
            expected: `<= ${options.apiCallThreshold.maxCalls} calls per ${options.apiCallThreshold.windowSeconds} s`,
            actual: count,
          })
          if (auditDenied) await audit(apiCallAuditEvent({ ...auditFields, outcome: 'denied', code: 'api_call_threshold_exceeded' }))
          return refuse(error)
        }
      }
      await audit(apiCallAuditEvent({ ...auditFields, outcome: 'allowed' }))
      return verdict
    },

    async keyStatus(orgId, serverName) {
      const entry = entries.get(orgId)
      if (entry === undefined || entry.serverName !== serverName) return undefined
      return (await entry.verifier.status()).lastSuccessfulFetchAt
    },

    async close() {
      closed = true
      const all = [...entries.values()]
      entries.clear()
      await Promise.all(all.map((e) => e.verifier.close()))
    },
  }
}

/** Closes a replaced verifier once requests already using it have had time to finish. */
function retire(verifier: Verifier): void {
  const timer = setTimeout(() => void verifier.close(), retireAfterMs) as { unref?: () => void }
  timer.unref?.()
}

