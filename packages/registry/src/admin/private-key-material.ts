/**
 * Private key material in a stored server config, left out of every answer. Core's config
 * validation refuses it when an admin pastes it (400 `invalid_config`, the key named by path);
 * this is the defence in depth for documents that hold it anyway (stored before that check, or
 * written straight to the store). An authorization server's config only ever needs public keys.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '@tokenward/core'

/** JWK members that hold private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const secretJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const privatePem = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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
