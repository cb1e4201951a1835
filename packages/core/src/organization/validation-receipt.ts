/**
 * The rule that a remote JWKS source must have been validated, for exactly this organization and
 * source, shortly before it is saved. The receipt must come from the caller's own store (looked up
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
 * an API client's JWKS URL (certificate validation on, no extra CAs).
 *
 * @example
 * ```ts
 * const source: JwksSourceToValidate = { name: 'ci-pipeline', jwksUrl: 'https://ci.example.com/jwks.json', jwksCertificateValidation: true, trustedCertificates: [] }
 * ```
 */
export type JwksSourceToValidate = Pick<AuthorizationServerConfig, 'name' | 'jwksUrl' | 'jwksCertificateValidation' | 'trustedCertificates'>

/**
 * Checks that `receipt` proves a validation of `config`'s JWKS source for organization `orgId`:
 * same organization, URL (compared after URL normalization), `jwksCertificateValidation` and
 * `trustedCertificates` (same PEMs, same order), validated at most `maxAgeSeconds` before `now`
 * and not after it. Inline `jwks` needs no receipt. Returns the violation, or `undefined` when
 * the receipt is good.
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
  if (config.jwksUrl === undefined) return undefined
  if (receipt === undefined || receipt === null) {
    return ruleViolation('validation_required', `Validate the JWKS source of "${config.name}" before saving it`, { field: 'receipt' })
  }
  if (!isReceiptShape(receipt)) {
    return ruleViolation('validation_required', 'The validation receipt is malformed; validate the JWKS source again', { field: 'receipt' })
  }
  const mismatch = (field: string, what: string, expected: unknown, actual: unknown): RuleViolation =>
    ruleViolation('validation_mismatch', `The validation was done for ${what}; validate the JWKS source again`, { field: `receipt.${field}`, expected, actual })
  if (receipt.orgId !== orgId) return mismatch('orgId', 'another organization', orgId, receipt.orgId)
  if (normalizeUrl(receipt.jwksUrl) !== config.jwksUrl) return mismatch('jwksUrl', 'another JWKS URL', config.jwksUrl, receipt.jwksUrl)
  if (receipt.jwksCertificateValidation !== config.jwksCertificateValidation) {
    return mismatch('jwksCertificateValidation', 'another TLS certificate validation setting', config.jwksCertificateValidation, receipt.jwksCertificateValidation)
  }
  const expectedCas = config.trustedCertificates
  const actualCas = receipt.trustedCertificates
  if (expectedCas.length !== actualCas.length || expectedCas.some((pem, i) => pem.trim() !== actualCas[i]?.trim())) {
    return mismatch('trustedCertificates', 'other trusted certificates', expectedCas.map(summarizePem), actualCas.map(summarizePem))
  }
  if (receipt.validatedAt > now) {
    return ruleViolation('validation_in_future', 'The validation receipt is dated in the future; validate the JWKS source again', {
      field: 'receipt.validatedAt',
      expected: `at most ${now}`,
      actual: receipt.validatedAt,
    })
  }
  if (!(now - receipt.validatedAt <= maxAgeSeconds)) {
    return ruleViolation('validation_expired', `The validation is more than ${maxAgeSeconds} seconds old; validate the JWKS source again`, {
      field: 'receipt.validatedAt',
      expected: `at least ${now - maxAgeSeconds}`,
      actual: receipt.validatedAt,
    })
  }
  return undefined
}

function isReceiptShape(r: unknown): r is JwksValidationReceipt {
  if (typeof r !== 'object' || r === null) return false
  const o = r as Record<string, unknown>
  return (
    typeof o.orgId === 'string' &&
    typeof o.jwksUrl === 'string' &&
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
