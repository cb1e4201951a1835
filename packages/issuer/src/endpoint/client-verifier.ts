/**
 * Verifies RFC 7523 client assertions with core's verifier: the same strict JWS rules as access
 * tokens (allow-list without `none`/HS*, canonical base64url, no duplicate members), and for a
 * `jwksUrl` core's JWKS machinery with its cache, unknown-kid refetch with cooldown, single flight,
 * stale-if-error and address policy. One long-lived verifier per client (per `kid` for a single
 * registered key), rebuilt when the client's authentication changes.
 *
 * @module
 */
import { createVerifier, supportedAlgorithms, type Jwk, type JwksOptions, type VerifiedAccessToken, type Verifier } from '@tokenward/core'
import type { ApiClient } from '../client/api-client.ts'
import { publicKeyPemToJwk, readCertificate } from '../client/public-key-material.ts'

/** @internal */
export interface ClientVerifierSettings {
  readonly audience: readonly string[]
  readonly clockToleranceSeconds: number
  readonly jwks: JwksOptions
  readonly fetch: typeof fetch | undefined
  readonly clock: () => number
}

interface Registered {
  /** JSON of the client's authentication: a change rebuilds the verifiers. */
  readonly fingerprint: string
  /** For `jwksUrl`: one verifier. For a registered key: one per `kid` seen (at most four). */
  readonly verifiers: Map<string, Verifier>
  readonly key: Promise<{ readonly jwk: Jwk; readonly notBefore?: number; readonly notAfter?: number }> | undefined
}

/** @internal The certificate is outside its validity period. */
export class CertificateValidityError extends Error {
  constructor(message: string) {
    super(message)
  }
}

const maxKidsPerClient = 4

/** @internal */
export function createClientVerifiers(settings: ClientVerifierSettings) {
  const registered = new Map<string, Registered>()
  const build = (client: ApiClient, source: { jwksUrl: string } | { jwks: { keys: readonly Jwk[] } }): Verifier =>
    createVerifier({
      server: { name: 'ApiClient', ...source, issuer: client.clientId, audience: settings.audience, algorithms: supportedAlgorithms, clockToleranceSeconds: settings.clockToleranceSeconds },
      jwks: settings.jwks,
      profile: 'client_assertion',
      cache: false,
      fetch: settings.fetch,
      clock: settings.clock,
    })

  // A store that hands out the same client object saves the JSON of its authentication per request.
  const fingerprints = new WeakMap<object, string>()
  const entryFor = (client: ApiClient): Registered => {
    let fingerprint = fingerprints.get(client.authentication)
    if (fingerprint === undefined) fingerprints.set(client.authentication, (fingerprint = JSON.stringify(client.authentication)))
    const known = registered.get(client.clientId)
    if (known !== undefined && known.fingerprint === fingerprint) return known
    if (known !== undefined) for (const v of known.verifiers.values()) void v.close()
    const auth = client.authentication
    let key: Registered['key']
    if ('certificate' in auth) key = readCertificate(auth.certificate)
    else if ('publicKey' in auth) key = typeof auth.publicKey === 'string' ? publicKeyPemToJwk(auth.publicKey).then((jwk) => ({ jwk })) : Promise.resolve({ jwk: auth.publicKey })
    const entry: Registered = { fingerprint, verifiers: new Map(), key }
    registered.set(client.clientId, entry)
    return entry
  }

  return {
    /** Verifies the assertion's signature, `iss`, `aud`, `exp` (and `nbf`, `iat`); the caller checks the rest. */
    async verify(client: ApiClient, assertion: string, kid: string | undefined): Promise<VerifiedAccessToken> {
      const auth = client.authentication
      if (auth.method !== 'private_key_jwt') throw new TypeError('not a private_key_jwt client')
      const entry = entryFor(client)
      if ('jwksUrl' in auth) {
        let verifier = entry.verifiers.get('')
        if (verifier === undefined) entry.verifiers.set('', (verifier = build(client, { jwksUrl: auth.jwksUrl })))
        return verifier.verify(assertion)
      }
      const { jwk, notBefore, notAfter } = await entry.key!
      const now = settings.clock()
      if (notBefore !== undefined && now < notBefore) throw new CertificateValidityError('The client certificate is not valid yet')
      if (notAfter !== undefined && now > notAfter) throw new CertificateValidityError('The client certificate has expired')
      // A single registered key verifies whatever `kid` the client puts in its header.
      const slot = kid ?? ''
      let verifier = entry.verifiers.get(slot)
      if (verifier === undefined) {
        if (entry.verifiers.size >= maxKidsPerClient) {
          const [oldest] = entry.verifiers
          entry.verifiers.delete(oldest![0])
          void oldest![1].close()
        }
        const { kid: _ignored, ...bare } = jwk as Jwk & { kid?: string }
        entry.verifiers.set(slot, (verifier = build(client, { jwks: { keys: [kid === undefined ? bare : { ...bare, kid }] as Jwk[] } })))
      }
      return verifier.verify(assertion)
    },
    async close(): Promise<void> {
      for (const entry of registered.values()) for (const v of entry.verifiers.values()) await v.close()
      registered.clear()
    },
  }
}
