/**
 * The "Validate" operation: fetch a JWKS URL once, the way the verifier would, report what an
 * admin needs to fix it, and when it is good, hand out a single-use `validationId` that the next
 * add or edit of exactly that source must present.
 *
 * @module
 */
import { type JwksValidationReport } from '@tokenward/core'
import { requireApiClientChangesAllowed, requireServerChangesAllowed, type JwksValidationReceipt } from '@tokenward/core/organization'
import type { ConfigIssue } from '@tokenward/core'
import { loadOrganization, nowSeconds, type AdminContext } from './admin-context.ts'
import { errorResponse, invalidRequest, jsonResponse } from './admin-response.ts'
import { violationResponse } from './failure-response.ts'
import { revisionTag } from './if-match.ts'
import { readJsonBody } from './read-json-body.ts'
import { readValidateBody, type ValidateBody } from './request-bodies.ts'

/**
 * The body of a validation answer: always 200 when the check ran, whatever it found; look at
 * `report.ok`. `validationId` is present exactly when `report.ok`.
 *
 * @example
 * ```ts
 * const r: JwksValidationResult = { report, validationId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }
 * ```
 */
export interface JwksValidationResult {
  readonly report: JwksValidationReport
  readonly validationId?: string
}

/**
 * `POST …/authorization-servers/validate` with `{ jwksUrl, jwksCertificateValidation?,
 * trustedCertificates? }` (unknown members are refused). Needs what a change needs: the API Key
 * Management permission, an organization that is neither suspended nor expired (403), so the
 * API never fetches on behalf of a caller who could not save the result. The URL must pass the
 * API's `addressPolicy` (public https addresses by default), each organization is throttled
 * (`429 too_many_requests` with `Retry-After`), and the report tells a tenant nothing the server
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
  return validateWith(ctx, (body) => {
    const extra: ConfigIssue[] = Object.keys(body)
      .filter((key) => key !== 'jwksUrl')
      .map((key) => ({ path: key, message: 'unknown field (an API client JWKS URL takes no TLS settings)' }))
    const r = readValidateBody({ jwksUrl: body.jwksUrl })
    return extra.length === 0 ? r : { ok: false, issues: [...extra, ...(r.ok ? [] : r.issues)] }
  }, requireApiClientChangesAllowed)
}

async function validateWith(
  ctx: AdminContext,
  read: (body: Readonly<Record<string, unknown>>) => { readonly ok: true; readonly value: ValidateBody } | { readonly ok: false; readonly issues: readonly ConfigIssue[] },
  allowed: typeof requireServerChangesAllowed,
): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const source = read(body.value ?? {})
  if (!source.ok) return invalidRequest(source.issues)
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

  const { jwksUrl, jwksCertificateValidation, trustedCertificates } = source.value
  const { addressPolicy, validateReportDetail } = ctx.options
  const report = await ctx.options.validateJwks({
    url: jwksUrl,
    certificateValidation: jwksCertificateValidation,
    trustedCertificates,
    detail: validateReportDetail,
    ...(addressPolicy === undefined ? {} : { addressPolicy }),
  })
  const headers = { etag: revisionTag(org.revision) }
  if (!report.ok) return jsonResponse(200, { report } satisfies JwksValidationResult, headers)

  const receipt: JwksValidationReceipt = {
    validationId: crypto.randomUUID(),
    orgId: org.orgId,
    jwksUrl,
    jwksCertificateValidation,
    trustedCertificates,
    // Taken after the fetch, so the receipt's age counts from when the keys were seen.
    validatedAt: nowSeconds(ctx),
  }
  await ctx.options.receipts.save(receipt)
  return jsonResponse(200, { report, validationId: receipt.validationId } satisfies JwksValidationResult, headers)
}
