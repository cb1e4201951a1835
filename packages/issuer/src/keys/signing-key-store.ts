/**
 * The signing-key port and its in-memory implementation with rotation: a new key is published
 * before it signs, and a retired key stays published until the last token it signed has expired.
 *
 * @module
 */
import { type Jwk } from '@tokenward/core'
import { encodeBase64Url } from '@tokenward/core/jose'

/**
 * A key the issuer signs with: ES256 (a WebCrypto key; Node signs with node:crypto).
 *
 * @example
 * ```ts
 * const key: SigningKey = await generateSigningKey()
 * ```
 */
export interface SigningKey {
  readonly kid: string
  readonly alg: 'ES256'
  readonly privateKey: CryptoKey
  /** The public JWK as published (with `kid`, `alg`, `use`). */
  readonly publicJwk: Jwk
}

/**
 * Where signing keys live. `signingKey` answers the key to sign with now; `publishedKeys` every
 * key a verifier may meet now (the signing key, the next one, retired ones whose tokens live on).
 *
 * @example
 * ```ts
 * const keys: SigningKeyStore = createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: 3600 })
 * const { kid } = await keys.signingKey(Date.now())
 * ```
 */
export interface SigningKeyStore {
  signingKey(nowMs: number): Promise<SigningKey>
  publishedKeys(nowMs: number): Promise<readonly Jwk[]>
}

/**
 * Options of {@link createInMemorySigningKeyStore}.
 *
 * @example
 * ```ts
 * const options: InMemorySigningKeyStoreOptions = { maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 }
 * ```
 */
export interface InMemorySigningKeyStoreOptions {
  /** Keys to start with (private JWKs, P-256, with `kid`); the first signs. Default: one generated key. */
  readonly privateJwks?: readonly JsonWebKey[]
  /** How long a retired key stays published: the longest token lifetime. Default 3600 s. */
  readonly maxTokenLifetimeSeconds?: number
  /** How long a new key is published before it signs (verifiers' JWKS caches catch up). Default 600 s. */
  readonly publishAheadSeconds?: number
}

/**
 * An in-memory key store with rotation.
 *
 * @example
 * ```ts
 * const keys: InMemorySigningKeyStore = createInMemorySigningKeyStore()
 * await keys.rotate(Date.now())
 * ```
 */
export interface InMemorySigningKeyStore extends SigningKeyStore {
  /**
   * Adds a new key: published now, signing from `now + publishAheadSeconds`; the key it replaces
   * stays published until `maxTokenLifetimeSeconds` after it stops signing.
   */
  rotate(nowMs: number): Promise<void>
}

interface Entry {
  readonly key: SigningKey
  /** Signs from this time on (ms). */
  readonly activeFrom: number
  /** Stops signing at this time (ms), when the next key becomes active. */
  retiredAt: number
}

/** RFC 7638 thumbprint of a P-256 public key. */
async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))))
}

async function toSigningKey(privateKey: CryptoKey, publicJwk: JsonWebKey): Promise<SigningKey> {
  const kid = await thumbprint(publicJwk)
  const jwk = { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid, alg: 'ES256', use: 'sig' } as unknown as Jwk
  return { kid, alg: 'ES256', privateKey, publicJwk: Object.freeze(jwk) }
}

/**
 * Generates an ES256 signing key.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey()
 * console.log(key.kid)
 * ```
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  return toSigningKey(pair.privateKey, await crypto.subtle.exportKey('jwk', pair.publicKey))
}

/**
 * Imports an ES256 signing key from a private JWK (P-256, with `d`).
 *
 * @example
 * ```ts
 * const key = await importSigningKey(JSON.parse(privateJwkText))
 * ```
 */
export async function importSigningKey(privateJwk: JsonWebKey): Promise<SigningKey> {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || typeof privateJwk.d !== 'string') throw new TypeError('A signing key must be a private P-256 JWK (kty EC, crv P-256, with d)')
  const { x, y, d } = privateJwk
  if (typeof x !== 'string' || typeof y !== 'string') throw new TypeError('A signing key needs x and y')
  const privateKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x, y, d }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
  return toSigningKey(privateKey, { kty: 'EC', crv: 'P-256', x, y })
}

/**
 * An in-memory {@link SigningKeyStore}: one generated ES256 key unless keys are given, and
 * `rotate` for the publish-ahead / retire-later rotation.
 *
 * @example
 * ```ts
 * const keys = createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 })
 * await keys.rotate(Date.now()) // the new key signs five minutes from now
 * ```
 */
export function createInMemorySigningKeyStore(options: InMemorySigningKeyStoreOptions = {}): InMemorySigningKeyStore {
  const lifetimeMs = (options.maxTokenLifetimeSeconds ?? 3600) * 1000
  const aheadMs = (options.publishAheadSeconds ?? 600) * 1000
  let entries: Promise<Entry[]> | undefined
  const load = (): Promise<Entry[]> =>
    (entries ??= (async () => {
      const keys = options.privateJwks?.length ? await Promise.all(options.privateJwks.map(importSigningKey)) : [await generateSigningKey()]
      // The first given key signs; the others are published as retired (until a token lifetime from now).
      return keys.map((key, i) => ({ key, activeFrom: i === 0 ? 0 : -Infinity, retiredAt: i === 0 ? Infinity : Date.now() }))
    })())
  const signingEntry = (list: readonly Entry[], nowMs: number): Entry => {
    let best: Entry | undefined
    for (const e of list) if (e.activeFrom <= nowMs && nowMs < e.retiredAt && (best === undefined || e.activeFrom > best.activeFrom)) best = e
    return best ?? list[0]!
  }
  return {
    async signingKey(nowMs) {
      return signingEntry(await load(), nowMs).key
    },
    async publishedKeys(nowMs) {
      const list = await load()
      return list.filter((e) => nowMs < e.retiredAt + lifetimeMs).map((e) => e.key.publicJwk)
    },
    async rotate(nowMs) {
      const list = await load()
      const next = await generateSigningKey()
      const activeFrom = nowMs + aheadMs
      for (const e of list) if (e.retiredAt > activeFrom) e.retiredAt = activeFrom
      list.push({ key: next, activeFrom, retiredAt: Infinity })
      // Forget keys no verifier can meet any more.
      entries = Promise.resolve(list.filter((e) => nowMs < e.retiredAt + lifetimeMs))
    },
  }
}
