/**
 * Private key material and secrets in a stored server config, left out of every answer. Core's config
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
 * A stored config as it may be shown: inline JWKs without their private or secret members, no
 * `trustedCertificates` entry that holds a private key, the introspection client's
 * authentication without `clientSecret` or `privateKey` (the method, algorithm, audience and
 * public certificate stay), and DPoP without its `nonceSecrets`.
 *
 * @example
 * ```ts
 * const shown = withoutPrivateKeyMaterial(stored) // stored.jwks.keys[0].d is gone, and so is introspection.clientAuthentication.clientSecret
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
  const shown: Record<string, unknown> = { ...config, jwks, trustedCertificates }
  if (isRecord(config.introspection)) {
    const auth: unknown = config.introspection.clientAuthentication
    const { clientSecret: _secret, privateKey: _key, ...publicParts } = isRecord(auth) ? auth : {}
    shown.introspection = { ...config.introspection, clientAuthentication: publicParts }
  }
  if (isRecord(config.dpop)) {
    const { nonceSecrets: _nonceSecrets, ...rest } = config.dpop as Record<string, unknown>
    shown.dpop = rest
  }
  return shown as unknown as AuthorizationServerConfig
}
