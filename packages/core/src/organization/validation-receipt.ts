/**
 * The rule that a server's remote sources (JWKS URL, introspection connection) must have been
 * validated, for exactly this organization and those sources, shortly before the server is saved. The receipt must come from the caller's own store (looked up
 * by its `validationId`), never from the request body.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import { summarizePem } from './redact-for-audit.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import type { JwksValidationReceipt } from './types.ts'

/**
 * How long a receipt stays usable when no other limit is given: 15 minutes.
 *
 * @example
 * ```ts
 * requireValidationReceipt(config, receipt, orgId, now, defaultReceiptMaxAgeSeconds)
 * ```
 */
export const defaultReceiptMaxAgeSeconds = 900

/**
 * The parts of a config that a validation receipt must match: an authorization server config, or
 * an API client's JWKS URL (certificate validation on, no extra CAs, no introspection).
 *
 * @example
 * ```ts
 * const source: JwksSourceToValidate = { name: 'ci-pipeline', jwksUrl: 'https://ci.example.com/jwks.json', jwksCertificateValidation: true, trustedCertificates: [] }
 * ```
 */
export type JwksSourceToValidate = Pick<AuthorizationServerConfig, 'name' | 'jwksUrl' | 'jwksCertificateValidation' | 'trustedCertificates' | 'introspection'> &
  Partial<Pick<AuthorizationServerConfig, 'issuer' | 'discovery'>>

/**
 * Checks that `receipt` proves a validation of `config`'s remote sources for organization `orgId`:
 * same organization; the same JWKS URL (compared after URL normalization), or none when the
 * config has none; the same introspection endpoint, client ID and client authentication method,
 * or none when the config has no `introspection`; the same `jwksCertificateValidation` and
 * `trustedCertificates` (same PEMs, same order; they secure both connections); validated at
 * most `maxAgeSeconds` before `now` and not after it. A server with neither a `jwksUrl` nor an
 * `introspection` section (inline `jwks` only) needs no receipt. Returns the violation, or
 * `undefined` when the receipt is good.
 *
 * @example
 * ```ts
 * requireValidationReceipt(config, undefined, '12345', now) // { code: 'validation_required', … }
 * requireValidationReceipt(config, receipt, '12345', now) // undefined
 * ```
 */
export function requireValidationReceipt(
  config: JwksSourceToValidate,
  receipt: JwksValidationReceipt | undefined,
  orgId: string,
  now: number,
  maxAgeSeconds: number = defaultReceiptMaxAgeSeconds,
): RuleViolation | undefined {
  const introspection = config.introspection
  const discovered = config.discovery !== undefined
  if (config.jwksUrl === undefined && introspection === undefined && !discovered) return undefined
  const what = config.jwksUrl === undefined && introspection === undefined ? 'discovered endpoints' : config.jwksUrl === undefined ? 'introspection endpoint' : introspection === undefined ? 'JWKS source' : 'JWKS source and introspection endpoint'
  if (receipt === undefined || receipt === null) {
    return ruleViolation('validation_required', `Validate the ${what} of "${config.name}" before saving it`, { field: 'receipt' })
  }
  if (!isReceiptShape(receipt)) {
    return ruleViolation('validation_required', `The validation receipt is malformed; validate the ${what} again`, { field: 'receipt' })
  }
  const mismatch = (field: string, other: string, expected: unknown, actual: unknown): RuleViolation =>
    ruleViolation('validation_mismatch', `The validation was done for ${other}; validate the ${what} again`, { field: `receipt.${field}`, expected, actual })
  if (receipt.orgId !== orgId) return mismatch('orgId', 'another organization', orgId, receipt.orgId)
  if (discovered) {
    // Endpoints the config leaves to discovery were validated as the metadata named them.
    const validatedDiscovery = receipt.discovery
    const source = config.discovery === true ? true : normalizeUrl(String(config.discovery))
    const validatedSource = validatedDiscovery === undefined ? undefined : validatedDiscovery.source === true ? true : normalizeUrl(String(validatedDiscovery.source))
    if (validatedDiscovery === undefined || validatedDiscovery.issuer !== config.issuer || validatedSource !== source) {
      return mismatch('discovery', 'another discovery (issuer or metadata URL)', { issuer: config.issuer ?? null, source: config.discovery }, validatedDiscovery ?? null)
    }
  }
  const receiptJwksUrl = receipt.jwksUrl === undefined ? undefined : (normalizeUrl(receipt.jwksUrl) ?? null)
  if (!(discovered && config.jwksUrl === undefined) && receiptJwksUrl !== config.jwksUrl) {
    return mismatch('jwksUrl', 'another JWKS URL', config.jwksUrl ?? null, receipt.jwksUrl ?? null)
  }
  const validated = receipt.introspection
  if (introspection === undefined || validated === undefined) {
    if (introspection !== validated) {
      return mismatch('introspection', 'another introspection connection', introspection === undefined ? null : introspection.endpoint, validated?.endpoint ?? null)
    }
  } else {
    if (introspection.endpoint !== undefined && normalizeUrl(validated.endpoint) !== normalizeUrl(introspection.endpoint)) {
      return mismatch('introspection.endpoint', 'another introspection endpoint', introspection.endpoint, validated.endpoint)
    }
    if (validated.clientId !== introspection.clientId) return mismatch('introspection.clientId', 'another client ID', introspection.clientId, validated.clientId)
    const method = introspection.clientAuthentication.method
    if (validated.authMethod !== method) return mismatch('introspection.authMethod', 'another client authentication method', method, validated.authMethod)
  }
  if (receipt.jwksCertificateValidation !== config.jwksCertificateValidation) {
    return mismatch('jwksCertificateValidation', 'another TLS certificate validation setting', config.jwksCertificateValidation, receipt.jwksCertificateValidation)
  }
  const expectedCas = config.trustedCertificates
  const actualCas = receipt.trustedCertificates
  if (expectedCas.length !== actualCas.length || expectedCas.some((pem, i) => pem.trim() !== actualCas[i]?.trim())) {
    return mismatch('trustedCertificates', 'other trusted certificates', expectedCas.map(summarizePem), actualCas.map(summarizePem))
  }
  if (receipt.validatedAt > now) {
    return ruleViolation('validation_in_future', `The validation receipt is dated in the future; validate the ${what} again`, {
      field: 'receipt.validatedAt',
      expected: `at most ${now}`,
      actual: receipt.validatedAt,
    })
  }
  if (!(now - receipt.validatedAt <= maxAgeSeconds)) {
    return ruleViolation('validation_expired', `The validation is more than ${maxAgeSeconds} seconds old; validate the ${what} again`, {
      field: 'receipt.validatedAt',
      expected: `at least ${now - maxAgeSeconds}`,
      actual: receipt.validatedAt,
    })
  }
  return undefined
}

function isDiscoveryShape(d: unknown): boolean {
  if (typeof d !== 'object' || d === null) return false
  const o = d as Record<string, unknown>
  return typeof o.issuer === 'string' && (o.source === true || typeof o.source === 'string')
}

function isReceiptShape(r: unknown): r is JwksValidationReceipt {
  if (typeof r !== 'object' || r === null) return false
  const o = r as Record<string, unknown>
  const i = o.introspection as Record<string, unknown> | null | undefined
  return (
    typeof o.orgId === 'string' &&
    (o.jwksUrl === undefined || typeof o.jwksUrl === 'string') &&
    (i === undefined ||
      (typeof i === 'object' && i !== null && typeof i.endpoint === 'string' && typeof i.clientId === 'string' && typeof i.authMethod === 'string')) &&
    (o.jwksUrl !== undefined || i !== undefined) &&
    (o.discovery === undefined || isDiscoveryShape(o.discovery)) &&
    typeof o.jwksCertificateValidation === 'boolean' &&
    Array.isArray(o.trustedCertificates) &&
    o.trustedCertificates.every((c: unknown) => typeof c === 'string') &&
    typeof o.validatedAt === 'number' &&
    Number.isFinite(o.validatedAt)
  )
}

function normalizeUrl(value: string): string | undefined {
  try {
    return new URL(value).href
  } catch {
    return undefined
  }
}
