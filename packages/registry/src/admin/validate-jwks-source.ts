/**
 * The "Validate" operation: fetch a JWKS URL once and introspect one random string, the way the
 * verifier would, report what an admin needs to fix, and when everything is good, hand out a
 * single-use `validationId` that the next add or edit of exactly those sources must present.
 *
 * @module
 */
import {
  ConfigError,
  DiscoveryError,
  discoverServerConfig,
  platformHttpGet,
  type AuthorizationServerInput,
  type DiscoverableServerInput,
  type IntrospectionValidationReport,
  type JwksValidationReport,
} from '@tokenward/core'
import { requireApiClientChangesAllowed, requireServerChangesAllowed, type JwksValidationReceipt } from '@tokenward/core/organization'
import type { ConfigIssue } from '@tokenward/core'
import { loadOrganization, nowSeconds, type AdminContext } from './admin-context.ts'
import { errorResponse, invalidRequest, jsonResponse } from './admin-response.ts'
import { violationResponse } from './failure-response.ts'
import { revisionTag } from './if-match.ts'
import { readJsonBody } from './read-json-body.ts'
import { readValidateBody, type ValidateBody } from './request-bodies.ts'

/**
 * What discovery found before the checks, when the validate body asked for it.
 *
 * @example
 * ```ts
 * const d: DiscoveryValidationReport = { ok: false, problems: ['the authorization server metadata could not be read (unreachable)'] }
 * ```
 */
export interface DiscoveryValidationReport {
  readonly ok: boolean
  readonly problems: readonly string[]
  /** The endpoints discovery filled in (absent when it failed). */
  readonly jwksUrl?: string | undefined
  readonly introspectionEndpoint?: string | undefined
}

/**
 * The body of a validation answer: always 200 when the checks ran, whatever they found. `report`
 * is the JWKS check (absent for a server without `jwksUrl`), `introspection` the introspection
 * check (absent for a server without `introspection`), `discovery` the metadata read first (when
 * asked for). `validationId` is present exactly when every check that ran is `ok`; the receipt
 * behind it covers the JWKS URL, the introspection endpoint, client ID and authentication method,
 * and the TLS settings — saving needs a receipt for exactly what was validated.
 *
 * @example
 * ```ts
 * const r: JwksValidationResult = { report, validationId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }
 * ```
 */
export interface JwksValidationResult {
  readonly report?: JwksValidationReport
  readonly introspection?: IntrospectionValidationReport
  readonly discovery?: DiscoveryValidationReport
  readonly validationId?: string
}

/**
 * `POST …/authorization-servers/validate` with `{ jwksUrl?, introspection?,
 * jwksCertificateValidation?, trustedCertificates?, issuer?, proxy?, trustMode?, discovery? }`
 * (one of `jwksUrl`, `introspection` or `discovery` is required; unknown members are refused).
 * Needs what a change needs: the API Key Management permission, an organization that is neither
 * suspended nor expired (403), so the API never fetches on behalf of a caller who could not save
 * the result. Discovery runs first when asked for, then the JWKS check (when there is a
 * `jwksUrl`), then one introspection of a random string with the configured client
 * authentication (when there is an `introspection` section). Every URL must pass the API's
 * `addressPolicy` (public https addresses by default), each organization is throttled
 * (`429 too_many_requests` with `Retry-After`), and the reports tell a tenant nothing the server
 * answered beyond a coarse class (`validateReportDetail`). Not audited: nothing changes.
 *
 * @example
 * ```ts
 * if (route.operation === 'validate_jwks') return validateJwksSource(ctx)
 * ```
 */
export async function validateJwksSource(ctx: AdminContext): Promise<Response> {
  return validateWith(ctx, readValidateBody, requireServerChangesAllowed)
}

/**
 * `POST …/api-clients/validate` with `{ jwksUrl }` only (an API client's keys are fetched with
 * certificate validation on and the default CAs): the same check, report, throttle and
 * single-use `validationId` as {@link validateJwksSource}; the next add or edit of a client with
 * exactly that `jwksUrl` presents it.
 *
 * @example
 * ```ts
 * if (route.operation === 'validate_api_client_jwks') return validateApiClientJwks(ctx)
 * ```
 */
export async function validateApiClientJwks(ctx: AdminContext): Promise<Response> {
  return validateWith(
    ctx,
    (body) => {
      const extra: ConfigIssue[] = Object.keys(body)
        .filter((key) => key !== 'jwksUrl')
        .map((key) => ({ path: key, message: 'unknown field (an API client JWKS URL takes no TLS settings)' }))
      const r = readValidateBody({ jwksUrl: body.jwksUrl })
      return extra.length === 0 ? r : { ok: false, issues: [...extra, ...(r.ok ? [] : r.issues)] }
    },
    requireApiClientChangesAllowed,
  )
}

async function validateWith(
  ctx: AdminContext,
  readBody: (body: Readonly<Record<string, unknown>>) => ReturnType<typeof readValidateBody>,
  allowed: typeof requireServerChangesAllowed,
): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const read = readBody(body.value ?? {})
  if (!read.ok) return invalidRequest(read.issues)
  const org = await loadOrganization(ctx)
  if (org instanceof Response) return org
  const denied = allowed(org, ctx.actor, nowSeconds(ctx))
  if (denied !== undefined) return violationResponse(denied)

  const wait = ctx.options.validateThrottle?.take(org.orgId, ctx.options.clock())
  if (wait !== undefined) {
    return errorResponse(429, 'too_many_requests', `Too many validations for this organization; retry in ${wait} s`, {
      headers: { 'retry-after': String(wait) },
      details: { retryAfterSeconds: wait },
    })
  }
  const headers = { etag: revisionTag(org.revision) }
  const { addressPolicy, validateReportDetail } = ctx.options

  let source: ValidateBody
  let discovery: DiscoveryValidationReport | undefined
  let discoveredFrom: { readonly issuer: string; readonly source: true | string } | undefined
  if ('discover' in read.value) {
    const found = await discover(ctx, read.value.discover)
    if (!found.ok) return 'response' in found ? found.response : jsonResponse(200, { discovery: found.report } satisfies JwksValidationResult, headers)
    source = found.source
    discovery = found.report
    discoveredFrom = { issuer: String(read.value.discover.issuer), source: read.value.discover.discovery === true ? true : String(read.value.discover.discovery) }
  } else {
    source = read.value
  }

  const { jwksUrl, jwksCertificateValidation, trustedCertificates, introspection } = source
  const report =
    jwksUrl === undefined
      ? undefined
      : await ctx.options.validateJwks({
          url: jwksUrl,
          certificateValidation: jwksCertificateValidation,
          trustedCertificates,
          detail: validateReportDetail,
          ...(addressPolicy === undefined ? {} : { addressPolicy }),
        })
  const introspectionReport =
    introspection === undefined
      ? undefined
      : await ctx.options.validateIntrospection({
          config: introspection,
          issuer: source.issuer,
          certificateValidation: jwksCertificateValidation,
          trustedCertificates: trustedCertificates.length > 0 ? trustedCertificates : undefined,
          trustMode: source.trustMode,
          proxy: source.proxy,
          detail: validateReportDetail,
          ...(addressPolicy === undefined ? {} : { addressPolicy }),
        })
  const result: JwksValidationResult = {
    ...(discovery === undefined ? {} : { discovery }),
    ...(report === undefined ? {} : { report }),
    ...(introspectionReport === undefined ? {} : { introspection: introspectionReport }),
  }
  if (report?.ok === false || introspectionReport?.ok === false) return jsonResponse(200, result, headers)

  const receipt: JwksValidationReceipt = {
    validationId: crypto.randomUUID(),
    orgId: org.orgId,
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    ...(introspection === undefined
      ? {}
      : { introspection: { endpoint: introspection.endpoint, clientId: introspection.clientId, authMethod: introspection.clientAuthentication.method } }),
    ...(discoveredFrom === undefined ? {} : { discovery: discoveredFrom }),
    jwksCertificateValidation,
    trustedCertificates,
    // Taken after the checks, so the receipt's age counts from when the answers were seen.
    validatedAt: nowSeconds(ctx),
  }
  await ctx.options.receipts.save(receipt)
  return jsonResponse(200, { ...result, validationId: receipt.validationId } satisfies JwksValidationResult, headers)
}

type Discovered =
  | { readonly ok: true; readonly source: ValidateBody; readonly report: DiscoveryValidationReport }
  | { readonly ok: false; readonly report: DiscoveryValidationReport }
  | { readonly ok: false; readonly response: Response }

/** Reads the metadata (under the API's address policy), then checks the filled-in body like any other. */
async function discover(ctx: AdminContext, input: DiscoverableServerInput): Promise<Discovered> {
  const { addressPolicy } = ctx.options
  let filled: AuthorizationServerInput
  try {
    filled = await discoverServerConfig(input, { httpGet: platformHttpGet(), ...(addressPolicy === undefined ? {} : { addressPolicy }) })
  } catch (error) {
    if (error instanceof ConfigError) {
      if (error.issues.some((i) => i.path === 'discovery' || i.path === 'issuer' || i.path.startsWith('introspection') || i.path === 'trustedCertificates')) {
        return { ok: false, response: invalidRequest(error.issues) }
      }
      return { ok: false, report: { ok: false, problems: ['the authorization server metadata does not name the endpoints tokenward needs'] } }
    }
    const kind = error instanceof DiscoveryError && ctx.options.validateReportDetail === 'operator' ? ` (${error.kind})` : ''
    return { ok: false, report: { ok: false, problems: [`the authorization server metadata could not be read, or does not name this issuer${kind}`] } }
  }
  const { name: _name, ...members } = filled as AuthorizationServerInput & Record<string, unknown>
  const read = readValidateBody(members)
  if (!read.ok) return { ok: false, response: invalidRequest(read.issues) }
  const source = read.value as ValidateBody
  return {
    ok: true,
    source,
    report: {
      ok: true,
      problems: [],
      ...(source.jwksUrl === undefined ? {} : { jwksUrl: source.jwksUrl }),
      ...(source.introspection === undefined ? {} : { introspectionEndpoint: source.introspection.endpoint }),
    },
  }
}
