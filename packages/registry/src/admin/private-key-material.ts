/**
 * Private key material in a server config: refused when an admin pastes it, and left out of every
 * answer even when a stored document already holds it (written before this check, or straight to
 * the store). An authorization server's config only ever needs public keys.
 *
 * @module
 */
import type { AuthorizationServerConfig, ConfigIssue } from '@tokenward/core'

/** JWK members that hold private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const secretJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const privatePem = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The problems of a server config (as received) that carries private key material: one issue per
 * inline JWK with a private or secret member, and per `trustedCertificates` entry holding a
 * private key PEM block. Messages name the members, never their values.
 *
 * @example
 * ```ts
 * privateKeyIssues({ name: 'Okta1', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', d: '…' }] } })
 * // [{ path: 'jwks.keys[0]', message: 'is a private key (it has "d"): paste the public key instead …' }]
 * ```
 */
export function privateKeyIssues(server: Readonly<Record<string, unknown>>): readonly ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const keys = isRecord(server.jwks) ? server.jwks.keys : undefined
  if (Array.isArray(keys)) {
    keys.forEach((key, i) => {
      if (!isRecord(key)) return
      const present = secretJwkMembers.filter((m) => Object.hasOwn(key, m))
      if (present.length === 0) return
      const what = present.includes('k') ? 'a secret (symmetric) key' : 'a private key'
      issues.push({
        path: `jwks.keys[${i}]`,
        message: `is ${what} (it has ${present.map((m) => JSON.stringify(m)).join(', ')}): paste the public key instead, as your authorization server publishes it in its JWKS; nothing was saved`,
      })
    })
  }
  const certificates = server.trustedCertificates
  if (Array.isArray(certificates)) {
    certificates.forEach((pem, i) => {
      if (typeof pem === 'string' && privatePem.test(pem)) {
        issues.push({ path: `trustedCertificates[${i}]`, message: 'holds a private key: paste the CA certificate (BEGIN CERTIFICATE) only; nothing was saved' })
      }
    })
  }
  return issues
}

/**
 * A stored config as it may be shown: inline JWKs without their private or secret members, and
 * no `trustedCertificates` entry that holds a private key.
 *
 * @example
 * ```ts
 * const shown = withoutPrivateKeyMaterial(stored) // stored.jwks.keys[0].d is gone
 * ```
 */
export function withoutPrivateKeyMaterial(config: AuthorizationServerConfig): AuthorizationServerConfig {
  const keys = config.jwks?.keys
  const certificates = config.trustedCertificates
  const jwks =
    config.jwks === undefined || !Array.isArray(keys)
      ? config.jwks
      : {
          ...config.jwks,
          keys: keys.map((key) => {
            if (!isRecord(key)) return key
            const shown: Record<string, unknown> = { ...key }
            for (const member of secretJwkMembers) delete shown[member]
            return shown as typeof key
          }),
        }
  const trustedCertificates = Array.isArray(certificates) ? certificates.filter((pem) => !(typeof pem === 'string' && privatePem.test(pem))) : certificates
  return { ...config, jwks, trustedCertificates }
}
