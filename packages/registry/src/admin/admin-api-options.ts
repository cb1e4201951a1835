/**
 * Options of `createAdminApi`, checked when the API is built (every bad option named by path).
 *
 * @module
 */
import {
  checkAddressPolicy,
  validateIntrospection as coreValidateIntrospection,
  validateJwks as coreValidateJwks,
  type AddressPolicy,
  type AddressPolicyOptions,
  type ConfigIssue,
  type IntrospectionValidationReport,
  type JwksValidationReport,
  type ValidateIntrospectionOptions,
  type ValidateJwksOptions,
} from '@tokenward/core'
import { type Actor } from '@tokenward/core/organization'
import type { AuditSink } from '../audit/audit-sink.ts'
import { RegistryConfigError } from '../errors.ts'
import type { OrganizationStore } from '../store/organization-store.ts'
import type { ReceiptStore } from '../store/receipt-store.ts'
import type { AdminAuthenticate } from './admin-auth-failure.ts'
import { createPbkdf2ClientSecretHasher, type ClientSecretHasher } from './client-secret-hasher.ts'
import { checkCrossSiteGuardOptions, type CrossSiteGuardOptions } from './cross-site-guard.ts'
import { checkCrossTenantAuditBound, defaultCrossTenantAuditBound, type AdminAuditEvent, type CrossTenantAuditBound } from './cross-tenant-audit.ts'
import { defaultMaxBodyBytes } from './read-json-body.ts'
import { createValidateThrottle, type ThrottleRule, type ValidateThrottle, type ValidateThrottleOptions } from './validate-throttle.ts'

/**
 * Decides whether an authenticated actor may act on an organization at all (tenant isolation).
 * Refused organizations answer `404 organization_not_found`, exactly like unknown ones.
 *
 * @example
 * ```ts
 * const authorizeOrganization: AuthorizeOrganization = async (actor, orgId) => (await directory.orgsOf(actor.id)).includes(orgId)
 * ```
 */
export type AuthorizeOrganization = (actor: Actor, orgId: string) => boolean | Promise<boolean>

/**
 * Options of `createAdminApi`.
 *
 * @example
 * ```ts
 * const options: AdminApiOptions = {
 *   store: createInMemoryOrganizationStore([acme]),
 *   receipts: createInMemoryReceiptStore(),
 *   audit: createInMemoryAuditSink(),
 *   authenticate: adminAuthenticator({ verifier: adminVerifier }),
 *   authorizeOrganization: (actor, orgId) => actor.id.endsWith(`@${orgId}`),
 *   basePath: '/admin/',
 * }
 * ```
 */
export interface AdminApiOptions {
  /** Where organizations are read and written (compare-and-set on `revision`). */
  readonly store: OrganizationStore
  /** Where JWKS validation receipts wait between "Validate" and "Save". */
  readonly receipts: ReceiptStore
  /**
   * Receives every accepted change's events after the store write, refused changes (see
   * `auditRejected`) and cross-tenant attempts (see `crossTenantAudit`). An
   * `AuditSink<ChangeAuditEvent>` fits too.
   */
  readonly audit: AuditSink<AdminAuditEvent>
  /** Who is calling; see `adminAuthenticator` for admin tokens verified by tokenward. */
  readonly authenticate: AdminAuthenticate
  /**
   * Tenant isolation: which organizations an actor may manage. Required: pass `null` to let every
   * authenticated actor manage every organization (e.g. the API owner's own staff console, or an
   * `authenticate` that already binds the actor to one organization).
   */
  readonly authorizeOrganization: AuthorizeOrganization | null
  /** The path prefix of every route; starts with `/`, a trailing `/` is added. Default `/`. */
  readonly basePath?: string
  /** Runs the "Validate" check. Default: `validateJwks` of `@tokenward/core`. */
  readonly validateJwks?: (options: ValidateJwksOptions) => Promise<JwksValidationReport>
  /** Runs the "Validate" check of an `introspection` section. Default: `validateIntrospection` of `@tokenward/core`. */
  readonly validateIntrospection?: (options: ValidateIntrospectionOptions) => Promise<IntrospectionValidationReport>
  /**
   * Which addresses a tenant's JWKS URL, introspection endpoint and metadata URL may reach when "Validate" calls them. Default `{}`: https
   * to public addresses only; loopback, link-local (cloud metadata), private, unique-local and
   * other special ranges are refused, on Node.js also for every address DNS returns at connect
   * time. `allow` opens CIDRs or host names (an internal IdP); `developmentLoopback: true` opens
   * loopback, plain http included, for local development. `null` switches the policy off (only
   * when every tenant is trusted). Give the registry verifier the same policy (`jwks.addressPolicy`).
   */
  readonly addressPolicy?: AddressPolicyOptions | AddressPolicy | null | undefined
  /**
   * Per-organization limit on "Validate" calls, answered `429 too_many_requests` with
   * `Retry-After`. Default `{ burst: 10, refillSeconds: 6 }`; `false` switches it off.
   */
  readonly validateThrottle?: ValidateThrottleOptions | false | undefined
  /**
   * How much a "Validate" report tells the caller. Default `tenant`: no HTTP status, response
   * bytes, socket or TLS error text (see `validateJwks`'s `detail`). `operator` for an API only
   * your own staff use.
   */
  readonly validateReportDetail?: 'tenant' | 'operator' | undefined
  /**
   * When the keys of a server were last fetched successfully (the registry verifier's
   * `keyStatus`). Default: the store's key-fetch records, when it keeps them.
   */
  readonly keyStatus?: (orgId: string, serverName: string) => Promise<Date | undefined>
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number
  /** Also record refused commands (with `rejectedChangeEvent`). Default `true`. */
  readonly auditRejected?: boolean
  /**
   * Record attempts on organizations `authorizeOrganization` refuses (`admin_access_denied`
   * events, still answered 404), at most `maxRecords` per actor and window; the rest are counted
   * in the actor's next record. Default `{ maxRecords: 10, windowSeconds: 60 }`; `false` records none.
   */
  readonly crossTenantAudit?: CrossTenantAuditBound | false
  /** Largest request body read, in bytes (413 beyond). Default 65536. */
  readonly maxBodyBytes?: number
  /**
   * The cross-site request guard for browser sessions: a state-changing request that carries a
   * `Cookie` and no `Authorization` header must come from an allowed origin (`Sec-Fetch-Site`,
   * `Origin`) and carry `x-tokenward-admin: 1`, or it is answered `403 cross_site_request`.
   * Default `{}` (allowed: the API's own origin). `false` switches it off (only for an
   * `authenticate` that never reads cookies).
   */
  readonly csrf?: CrossSiteGuardOptions | false | undefined
  /** How old a validation receipt may be when the server is saved, in seconds. Default 900 (the rules' default). */
  readonly receiptMaxAgeSeconds?: number
  /**
   * Hashes the secrets generated for `client_secret` API clients (answered once, stored only as
   * this hash). Default: PBKDF2-SHA-256, 600 000 iterations (`createPbkdf2ClientSecretHasher`);
   * `@tokenward/issuer`'s `createDefaultSecretHasher()` (scrypt on Node) fits too.
   */
  readonly secretHasher?: ClientSecretHasher | undefined
  /** Told about failures the caller only sees as a 5xx, or not at all (a `keyStatus` that throws, an audit record that failed). Must not throw. */
  readonly onError?: (error: unknown) => void
}

/**
 * {@link AdminApiOptions} checked, with every default filled in.
 *
 * @example
 * ```ts
 * const resolved: ResolvedAdminApiOptions = resolveAdminApiOptions(options)
 * resolved.basePath // '/admin/'
 * ```
 */
export interface ResolvedAdminApiOptions {
  readonly store: OrganizationStore
  readonly receipts: ReceiptStore
  readonly audit: AuditSink<AdminAuditEvent>
  readonly authenticate: AdminAuthenticate
  readonly authorizeOrganization: AuthorizeOrganization | null
  readonly basePath: string
  readonly validateJwks: (options: ValidateJwksOptions) => Promise<JwksValidationReport>
  readonly validateIntrospection: (options: ValidateIntrospectionOptions) => Promise<IntrospectionValidationReport>
  /** `undefined` when switched off with `null`. */
  readonly addressPolicy: AddressPolicy | undefined
  /** `undefined` when switched off with `false`. */
  readonly validateThrottle: ValidateThrottle | undefined
  readonly validateReportDetail: 'tenant' | 'operator'
  readonly keyStatus: ((orgId: string, serverName: string) => Promise<Date | undefined>) | undefined
  readonly clock: () => number
  readonly auditRejected: boolean
  readonly crossTenantAudit: CrossTenantAuditBound | false
  readonly maxBodyBytes: number
  /** `false` when switched off. */
  readonly csrf: CrossSiteGuardOptions | false
  readonly receiptMaxAgeSeconds: number | undefined
  readonly secretHasher: ClientSecretHasher
  readonly onError: (error: unknown) => void
}

/**
 * Checks the options and fills in the defaults, or throws `RegistryConfigError` naming every bad
 * option by path.
 *
 * @example
 * ```ts
 * resolveAdminApiOptions({ ...options, basePath: 'admin' }) // throws: basePath: must start with "/"
 * ```
 */
export function resolveAdminApiOptions(options: AdminApiOptions): ResolvedAdminApiOptions {
  const issues: ConfigIssue[] = []
  const need = (path: string, ok: boolean, message: string): void => {
    if (!ok) issues.push({ path, message })
  }
  if (typeof options !== 'object' || options === null) throw new RegistryConfigError([{ path: '', message: 'must be an object' }])
  const hasMethods = (value: unknown, ...methods: string[]): boolean =>
    typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  need('store', hasMethods(options.store, 'get', 'put'), 'must be an OrganizationStore (get, put)')
  need('receipts', hasMethods(options.receipts, 'save', 'take'), 'must be a ReceiptStore (save, take)')
  need('audit', hasMethods(options.audit, 'record'), 'must be an AuditSink (record)')
  need('authenticate', typeof options.authenticate === 'function', 'must be a function (see adminAuthenticator)')
  need(
    'authorizeOrganization',
    options.authorizeOrganization === null || typeof options.authorizeOrganization === 'function',
    'must be a function, or null to let every authenticated actor manage every organization',
  )
  const basePath = options.basePath ?? '/'
  need(
    'basePath',
    typeof basePath === 'string' && basePath.startsWith('/') && !/[?#\s\\]/.test(basePath) && !/\/\.{1,2}(?:\/|$)/.test(basePath),
    'must be a path starting with "/", without query, fragment, spaces, backslashes or dot segments',
  )
  for (const key of ['validateJwks', 'validateIntrospection', 'keyStatus', 'clock', 'onError'] as const) {
    need(key, options[key] === undefined || typeof options[key] === 'function', 'must be a function')
  }
  need('secretHasher', options.secretHasher === undefined || hasMethods(options.secretHasher, 'hash'), 'must be a secret hasher ({ hash(secret) })')
  need('auditRejected', options.auditRejected === undefined || typeof options.auditRejected === 'boolean', 'must be true or false')
  issues.push(...checkCrossTenantAuditBound(options.crossTenantAudit, 'crossTenantAudit'))
  issues.push(...checkCrossSiteGuardOptions(options.csrf, 'csrf'))
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  need('maxBodyBytes', Number.isSafeInteger(maxBodyBytes) && maxBodyBytes >= 1024 && maxBodyBytes <= 16 * 1024 * 1024, 'must be an integer from 1024 to 16777216')
  const maxAge = options.receiptMaxAgeSeconds
  need('receiptMaxAgeSeconds', maxAge === undefined || (Number.isFinite(maxAge) && maxAge > 0), 'must be a positive number of seconds')
  let addressPolicy: AddressPolicy | undefined
  if (options.addressPolicy !== null) {
    const checked = checkAddressPolicy(options.addressPolicy ?? {}, 'addressPolicy')
    if (checked.ok) addressPolicy = checked.policy
    else issues.push(...checked.issues)
  }
  let throttle: ThrottleRule | undefined
  if (options.validateThrottle !== false) {
    const t = options.validateThrottle ?? {}
    if (typeof t !== 'object' || t === null) need('validateThrottle', false, 'must be { burst?, refillSeconds? } or false')
    else {
      const burst = t.burst ?? 10
      const refillSeconds = t.refillSeconds ?? 6
      need('validateThrottle.burst', Number.isSafeInteger(burst) && burst >= 1 && burst <= 10_000, 'must be an integer from 1 to 10000')
      need('validateThrottle.refillSeconds', Number.isFinite(refillSeconds) && refillSeconds > 0 && refillSeconds <= 86_400, 'must be a number of seconds above 0, at most 86400')
      throttle = { burst, refillSeconds }
    }
  }
  const detail = options.validateReportDetail ?? 'tenant'
  need('validateReportDetail', detail === 'tenant' || detail === 'operator', 'must be "tenant" or "operator"')
  if (issues.length > 0) throw new RegistryConfigError(issues)

  return {
    store: options.store,
    receipts: options.receipts,
    audit: options.audit,
    authenticate: options.authenticate,
    authorizeOrganization: options.authorizeOrganization,
    basePath: basePath.endsWith('/') ? basePath : `${basePath}/`,
    validateJwks: options.validateJwks ?? coreValidateJwks,
    validateIntrospection: options.validateIntrospection ?? coreValidateIntrospection,
    addressPolicy,
    validateThrottle: throttle === undefined ? undefined : createValidateThrottle(throttle),
    validateReportDetail: detail,
    keyStatus: options.keyStatus,
    clock: options.clock ?? Date.now,
    auditRejected: options.auditRejected ?? true,
    crossTenantAudit: options.crossTenantAudit === false ? false : { ...(options.crossTenantAudit ?? defaultCrossTenantAuditBound) },
    maxBodyBytes,
    csrf: options.csrf === false ? false : { ...(options.csrf ?? {}) },
    receiptMaxAgeSeconds: maxAge,
    secretHasher: options.secretHasher ?? createPbkdf2ClientSecretHasher(),
    onError: neverThrowing(options.onError),
  }
}

function neverThrowing(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  return (error) => {
    try {
      onError?.(error)
    } catch {
      // A failing error reporter must not turn an answer into another failure.
    }
  }
}
