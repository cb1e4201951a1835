/**
 * The issuer's signing keys on Redis, with the same publish-ahead / retire-later rotation as the
 * in-memory store, so every instance of a token endpoint signs with the same key and publishes
 * the same JWKS.
 *
 * @module
 */
import type { ConfigIssue, Jwk } from '@tokenward/core'
import { importSigningKey, type SigningKey, type SigningKeyStore } from '@tokenward/issuer'
import { storeCommand, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/**
 * Options of {@link createRedisSigningKeyStore}.
 *
 * @example
 * ```ts
 * const options: RedisSigningKeyStoreOptions = { connection, maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 }
 * ```
 */
export interface RedisSigningKeyStoreOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
  /** How long a retired key stays published: the longest token lifetime. Default 3600 s. */
  readonly maxTokenLifetimeSeconds?: number | undefined
  /** How long a new key is published before it signs (verifiers' JWKS caches catch up). Default 600 s. */
  readonly publishAheadSeconds?: number | undefined
}

/**
 * A signing-key store on Redis that can rotate.
 *
 * @example
 * ```ts
 * const keys: RedisSigningKeyStore = createRedisSigningKeyStore({ connection })
 * await keys.rotate(Date.now())
 * ```
 */
export interface RedisSigningKeyStore extends SigningKeyStore {
  /**
   * Adds a new key for the whole fleet: published now, signing from `now + publishAheadSeconds`;
   * the key it replaces stays published until `maxTokenLifetimeSeconds` after it stops signing.
   * Keys no verifier can meet any more are removed.
   */
  rotate(nowMs: number): Promise<void>
}

/** One stored key: the private JWK and when it starts signing (ms). It stops when the next one starts. */
interface StoredKey {
  readonly privateJwk: JsonWebKey
  readonly activeFrom: number
}

interface Entry {
  readonly key: SigningKey
  readonly activeFrom: number
  readonly retiredAt: number
}

// KEYS[1] the hash; ARGV[1] kid, ARGV[2] entry. Adds the first key only when there is none, so
// instances starting together agree on one.
const initScript = `
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end
return 0
`

/**
 * Creates the issuer's `SigningKeyStore` on Redis: one hash `{<prefix>:issuer}:signing-keys`,
 * kid → `{ privateJwk, activeFrom }`. A key signs from its `activeFrom` until the next key's; the
 * first instance to find the hash empty generates the first key (atomically: instances starting
 * together agree on it). Each `signingKey`/`publishedKeys` call reads the hash (one round trip;
 * imported keys are kept in memory by kid). It passes the same signing-key contract as the
 * in-memory store.
 *
 * **The private keys are in Redis**: protect it as you protect the keys (ACLs, `rediss://`, no
 * shared tenants). When Redis cannot answer, calls reject with `StoreUnavailableError` and the
 * token endpoint answers 503 `temporarily_unavailable`; nothing is signed with a stale key.
 *
 * @example
 * ```ts
 * import { createIssuer } from '@tokenward/issuer'
 * const signingKeys = createRedisSigningKeyStore({ connection, maxTokenLifetimeSeconds: 3600 })
 * const issuer = createIssuer({ ...options, signingKeys })
 * ```
 */
export function createRedisSigningKeyStore(options: RedisSigningKeyStoreOptions): RedisSigningKeyStore {
  const lifetimeSeconds = options.maxTokenLifetimeSeconds ?? 3600
  const aheadSeconds = options.publishAheadSeconds ?? 600
  const extra: ConfigIssue[] = []
  if (!(Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0)) extra.push({ path: 'maxTokenLifetimeSeconds', message: 'must be a positive number' })
  if (!(Number.isFinite(aheadSeconds) && aheadSeconds >= 0)) extra.push({ path: 'publishAheadSeconds', message: 'must be a number ≥ 0' })
  const { redis, keys } = checkStoreOptions(options, extra)
  const hash = keys.signingKeys
  const lifetimeMs = lifetimeSeconds * 1000
  const aheadMs = aheadSeconds * 1000
  /** Imported keys by kid (importing is slow; a kid names one key for good). */
  const imported = new Map<string, Promise<SigningKey>>()

  const newKey = async (activeFrom: number): Promise<[kid: string, text: string]> => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
    const key = await importSigningKey(privateJwk)
    imported.set(key.kid, Promise.resolve(key))
    const { x, y, d } = privateJwk as { x: string; y: string; d: string }
    const stored: StoredKey = { privateJwk: { kty: 'EC', crv: 'P-256', x, y, d }, activeFrom }
    return [key.kid, JSON.stringify(stored)]
  }

  const load = async (): Promise<Entry[]> => {
    let reply = await storeCommand(redis, 'signing keys read', () => redis.command(['HGETALL', hash]))
    let fields = pairsOf(reply)
    if (fields.length === 0) {
      const [kid, text] = await newKey(0)
      await storeCommand(redis, 'signing keys init', () => redis.script(initScript, [hash], [kid, text]))
      reply = await storeCommand(redis, 'signing keys read', () => redis.command(['HGETALL', hash]))
      fields = pairsOf(reply)
    }
    const stored = fields.map(([kid, text]) => ({ kid, ...(JSON.parse(text) as StoredKey) })).sort((a, b) => a.activeFrom - b.activeFrom)
    return Promise.all(
      stored.map(async (s, i) => {
        let key = imported.get(s.kid)
        if (key === undefined) {
          key = importSigningKey(s.privateJwk)
          imported.set(s.kid, key)
        }
        return { key: await key, activeFrom: s.activeFrom, retiredAt: stored[i + 1]?.activeFrom ?? Infinity }
      }),
    )
  }

  return {
    async signingKey(nowMs) {
      const list = await load()
      let best = list[0]!
      for (const e of list) if (e.activeFrom <= nowMs) best = e
      return best.key
    },
    async publishedKeys(nowMs): Promise<readonly Jwk[]> {
      return (await load()).filter((e) => nowMs < e.retiredAt + lifetimeMs).map((e) => e.key.publicJwk)
    },
    async rotate(nowMs) {
      const list = await load()
      const activeFrom = nowMs + aheadMs
      const [kid, text] = await newKey(activeFrom)
      // Keys that stop signing (at the latest) when this one starts and whose last token has expired.
      const gone = list.filter((e) => Math.min(e.retiredAt, activeFrom) + lifetimeMs <= nowMs).map((e) => e.key.kid)
      await storeCommand(redis, 'signing keys rotate', () => redis.command(['HSET', hash, kid, text]))
      if (gone.length > 0) await storeCommand(redis, 'signing keys prune', () => redis.command(['HDEL', hash, ...gone]))
    },
  }
}

/** `HGETALL` answers `[field, value, …]` (RESP2) or `{ field: value }` (RESP3). */
function pairsOf(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const out: [string, string][] = []
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])])
    return out
  }
  if (reply !== null && typeof reply === 'object') return Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)])
  return []
}
