/**
 * The admin UI's "Validate" button: fetch a JWKS URL once, the way the verifier would, and report
 * everything an administrator needs to fix it.
 *
 * @module
 */
import { checkJwksUrl } from '../config/authorization-server.ts'
import { algorithmsForKey, keyProblems } from '../keys/usable-key.ts'
import { checkAddressPolicy, decideUrl, type AddressPolicy, type AddressPolicyOptions } from '../network/address-policy.ts'
import type { HttpGet, HttpGetResponse } from '../platform/types.ts'
import type { SupportedAlgorithm } from '../jose/jwk.ts'
import { decodeJwkSet } from './jwk-set.ts'

/** What {@link validateJwks} checks, and with which HTTP client. */
export interface ValidateJwksInput {
  /** The JWKS URL as the administrator typed it. */
  readonly url: string
  /** Check the server's TLS certificate. Default `true`. */
  readonly certificateValidation?: boolean
  /** Extra CA certificates (PEM) to trust. */
  readonly trustedCertificates?: readonly string[]
  /** The HTTP seam (`platform.httpGet()`). */
  readonly httpGet: HttpGet
  /** Default 5000 ms. */
  readonly timeoutMs?: number
  /** Default 524288 (512 KiB). */
  readonly maxBytes?: number
  /** The clock for `checkedAt`. Default `() => new Date()`. */
  readonly now?: () => Date
  /**
   * Which addresses the URL may reach (see `defineAddressPolicy`). Set it whenever the URL comes
   * from someone other than the operator (a tenant): plain http, loopback, link-local, private and
   * other non-public addresses are then refused, on Node.js also for every address DNS returns at
   * connect time. Default: none (the operator's own URL, anything goes).
   */
  readonly addressPolicy?: AddressPolicyOptions | AddressPolicy | undefined
  /**
   * How much the report tells. `operator` (the default): everything, socket errors and HTTP
   * statuses included. `tenant`: nothing that could leak what the server can reach: no response
   * bytes, no socket or TLS error text, no `httpStatus`, only coarse problems ("unreachable",
   * "TLS certificate not trusted", "the server answered HTTP 5xx", "not a JWK Set", "address not
   * allowed"). A JWK Set that did decode is still described key by key.
   */
  readonly detail?: 'operator' | 'tenant' | undefined
}

/** One key of the fetched set, as the report shows it. */
export interface JwksKeyReport {
  readonly kid?: string
  readonly kty: string
  readonly alg?: string
  readonly use?: string
  /** True when tokenward can verify signatures with this key (`algorithms` is not empty). */
  readonly usable: boolean
  /** The tokenward algorithms this key can verify. */
  readonly algorithms: readonly SupportedAlgorithm[]
  /** Why the key is unusable, or what is odd about it (a usable key may still have problems). */
  readonly problems: readonly string[]
}

/**
 * The result of {@link validateJwks}. `ok` is true exactly when `problems` is empty: the URL is
 * acceptable, the server answered 200 with a JWK Set over a trusted (or explicitly unchecked)
 * connection, and at least one key can verify signatures. `warnings` never block.
 */
export interface JwksValidationReport {
  readonly url: string
  /** An HTTP response (any status) came back. */
  readonly reachable: boolean
  /**
   * `ok`: the certificate was verified; `failed`: it was refused; `not_checked`: validation is
   * switched off, or no TLS handshake completed (no request, or a network failure first);
   * `not_applicable`: a plain-HTTP loopback URL.
   */
  readonly tls: 'ok' | 'not_checked' | 'failed' | 'not_applicable'
  /** The response's status. Absent without a response, and always with `detail: 'tenant'`. */
  readonly httpStatus?: number
  /** The body is a JWK Set (status 200, JSON object with a `keys` array). */
  readonly validJwkSet: boolean
  readonly keys: readonly JwksKeyReport[]
  readonly usableSigningKeyCount: number
  /** Blocking findings, in the order they were found. */
  readonly problems: readonly string[]
  /** Non-blocking findings: unchecked TLS, ignored or ambiguous keys. */
  readonly warnings: readonly string[]
  readonly ok: boolean
  /** ISO 8601 time of the check. */
  readonly checkedAt: string
}

interface Findings {
  reachable: boolean
  tls: JwksValidationReport['tls']
  httpStatus?: number
  validJwkSet: boolean
  keys: JwksKeyReport[]
  problems: string[]
  warnings: string[]
}

// What a tenant is told when no response came back: the kind, never the socket's or TLS stack's words.
const tenantFailure = (kind: unknown, maxBytes: number): string => {
  switch (kind) {
    case 'timeout':
      return 'unreachable: no answer in time'
    case 'tls':
      return 'TLS certificate not trusted (or the TLS handshake failed)'
    case 'too_large':
      return `the response is larger than ${maxBytes} bytes`
    case 'address_not_allowed':
      return 'address not allowed: a JWKS URL must be https and reach public addresses only'
    case 'unsupported':
      return 'unsupported: the request cannot be made as configured (redirects are not followed)'
    default:
      return 'unreachable'
  }
}

const reportKey = (jwk: Parameters<typeof algorithmsForKey>[0]): JwksKeyReport => {
  const algorithms = algorithmsForKey(jwk)
  return {
    ...(jwk.kid === undefined ? {} : { kid: jwk.kid }),
    kty: jwk.kty,
    ...(jwk.alg === undefined ? {} : { alg: jwk.alg }),
    ...(jwk.use === undefined ? {} : { use: jwk.use }),
    usable: algorithms.length > 0,
    algorithms: [...algorithms],
    problems: [...keyProblems(jwk)],
  }
}

const statusClass = (status: number): string => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'outside 100-599')

const examineBody = (response: HttpGetResponse, findings: Findings, tenant: boolean): void => {
  if (response.status !== 200) {
    const shown = tenant ? statusClass(response.status) : String(response.status)
    findings.problems.push(`the server answered HTTP ${shown}; a JWKS URL must answer 200${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`)
    return
  }
  const decoded = decodeJwkSet(response.body)
  if (!decoded.ok) {
    // The decoder's message may quote the body (JSON.parse does): tenants get none of it.
    findings.problems.push(tenant ? 'not a JWK Set (the response is not a JSON object with a keys array)' : `not a JWK Set: ${decoded.error}`)
    return
  }
  findings.validJwkSet = true
  for (const dropped of decoded.value.problems) {
    findings.warnings.push(`keys[${dropped.index}]${dropped.kid === undefined ? '' : ` (kid "${dropped.kid}")`} is ignored: ${dropped.message}`)
  }
  findings.keys = decoded.value.keys.map(reportKey)
  if (findings.keys.length === 0) findings.problems.push('the JWK Set contains no keys')
  else if (!findings.keys.some((key) => key.usable)) findings.problems.push('no key in the JWK Set can verify token signatures')

  const usableKids = findings.keys.filter((key) => key.usable && key.kid !== undefined).map((key) => key.kid as string)
  for (const kid of new Set(usableKids.filter((kid, i) => usableKids.indexOf(kid) !== i))) {
    findings.warnings.push(`several usable keys share kid "${kid}"`)
  }
}

/**
 * Fetches a JWKS URL once and reports reachability, TLS, status, the JWK Set's shape and, for
 * each key, which tokenward algorithms it can verify and why not. Never throws and never rejects.
 *
 * URL rules, checked before any request: the URL must parse; `https:` is required, except plain
 * `http:` for loopback hosts (`localhost`, 127.0.0.0/8, `::1`). A URL that breaks them is
 * reported with a problem and no request is made. With an `addressPolicy` (for tenants' URLs) the
 * policy's rules apply too, before the request and, on Node.js, to every address DNS returns;
 * `detail: 'tenant'` keeps everything the server answered or the network said out of the report.
 *
 * @example
 * ```ts
 * const report = await validateJwks({ url: 'https://acme.okta.com/oauth2/v1/keys', httpGet: platform.httpGet() })
 * if (!report.ok) showErrors(report.problems)
 * for (const key of report.keys) console.log(key.kid, key.usable ? key.algorithms.join(', ') : key.problems.join('; '))
 * ```
 */
export async function validateJwks(input: ValidateJwksInput): Promise<JwksValidationReport> {
  const checkedAt = (input.now?.() ?? new Date()).toISOString()
  const certificateValidation = input.certificateValidation ?? true
  const tenant = input.detail === 'tenant'
  const maxBytes = input.maxBytes ?? 512 * 1024
  const findings: Findings = { reachable: false, tls: 'not_checked', validJwkSet: false, keys: [], problems: [], warnings: [] }
  const report = (): JwksValidationReport => ({
    url: input.url,
    reachable: findings.reachable,
    tls: findings.tls,
    ...(findings.httpStatus === undefined ? {} : { httpStatus: findings.httpStatus }),
    validJwkSet: findings.validJwkSet,
    keys: findings.keys,
    usableSigningKeyCount: findings.keys.filter((key) => key.usable).length,
    problems: findings.problems,
    warnings: findings.warnings,
    ok: findings.problems.length === 0,
    checkedAt,
  })

  // The same rule saving a server applies, so "Validate" never passes a URL that cannot be saved.
  const urlProblem = checkJwksUrl(input.url)
  if (urlProblem !== undefined) {
    findings.problems.push(`the JWKS URL ${urlProblem}`)
    return report()
  }
  const url = new URL(input.url)
  let addressPolicy: AddressPolicy | undefined
  if (input.addressPolicy !== undefined) {
    const checked = checkAddressPolicy(input.addressPolicy, 'addressPolicy')
    if (!checked.ok) {
      findings.problems.push(`the address policy is invalid: ${checked.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`)
      return report()
    }
    addressPolicy = checked.policy
    const decision = decideUrl(addressPolicy, url)
    if (decision !== 'resolve' && !decision.allowed) {
      findings.problems.push(tenant ? tenantFailure('address_not_allowed', maxBytes) : `address not allowed: ${decision.reason}`)
      return report()
    }
  }
  if (url.protocol === 'http:') findings.tls = 'not_applicable'
  if (url.protocol === 'https:' && !certificateValidation) {
    findings.warnings.push("TLS certificate validation is switched off: the server's identity is not checked")
  }

  let response: HttpGetResponse
  try {
    response = await input.httpGet({
      url,
      timeoutMs: input.timeoutMs ?? 5000,
      maxBytes,
      certificateValidation,
      trustedCertificates: input.trustedCertificates ?? [],
      ...(addressPolicy === undefined ? {} : { addressPolicy }),
    })
  } catch (error) {
    const kind = (error as { kind?: unknown } | null)?.kind
    const message = error instanceof Error ? error.message : String(error)
    if (kind === 'tls') findings.tls = 'failed'
    // HttpGetFailure messages are already precise ("timed out after 5000 ms", "network error: …"),
    // which is what an operator needs and exactly what a tenant must not see.
    if (tenant) findings.problems.push(tenantFailure(kind, maxBytes))
    else findings.problems.push(typeof kind === 'string' ? message : `request failed: ${message}`)
    return report()
  }

  findings.reachable = true
  if (!tenant) findings.httpStatus = response.status
  if (url.protocol === 'https:') findings.tls = certificateValidation ? 'ok' : 'not_checked'
  examineBody(response, findings, tenant)
  return report()
}
