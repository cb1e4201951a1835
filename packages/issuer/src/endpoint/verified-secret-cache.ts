/**
 * The verified-secret cache: a client secret the slow hash accepted is remembered for a short
 * while, so a client presenting it again does not pay scrypt or PBKDF2 (tens of milliseconds of
 * CPU) on every token request.
 *
 * What it stores is an HMAC-SHA-256, under a random key made when the issuer starts and never
 * exported, of the client ID, the secret and the stored hash it matched: never the secret, and
 * nothing a copy of the memory could test guesses against without the key. Entries are bounded
 * (oldest dropped first), expire after `maxAgeSeconds`, and are tied to the stored hash: once a
 * rotation removes that hash, its entry can no longer match. A client found disabled, deleted or
 * switched to another method has all its entries dropped.
 *
 * @module
 */
import type { SecretHash } from '../secret/secret-hasher.ts'

/** @internal */
export interface VerifiedSecretCacheSettings {
  readonly maxEntries: number
  readonly maxAgeMs: number
  /** A keyed digest (HMAC under a per-process random key), see the platform seam. */
  readonly digest: (text: string) => string | Promise<string>
}

/** @internal */
export interface VerifiedSecretCache {
  /** The entry's key for this client, secret and stored hash (a keyed digest). */
  keyFor(clientId: string, secret: string, stored: SecretHash): string | Promise<string>
  /** Whether `key` was remembered for `clientId` and has not expired. */
  has(clientId: string, key: string, now: number): boolean
  remember(clientId: string, key: string, now: number): void
  /** Drops every entry of the client. */
  forget(clientId: string): void
  readonly size: number
}

/** @internal */
export function createVerifiedSecretCache(settings: VerifiedSecretCacheSettings): VerifiedSecretCache {
  // key → { clientId, expiresAt }, in insertion order (oldest first); clientId → its keys.
  const entries = new Map<string, { readonly clientId: string; readonly expiresAt: number }>()
  const byClient = new Map<string, Set<string>>()
  const drop = (key: string): void => {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    const keys = byClient.get(entry.clientId)
    keys?.delete(key)
    if (keys?.size === 0) byClient.delete(entry.clientId)
  }
  return {
    keyFor: (clientId, secret, stored) => settings.digest(`${clientId}\u0000${secret}\u0000${stored.algorithm}\u0000${stored.salt}\u0000${stored.hash}`),
    has(clientId, key, now) {
      const entry = entries.get(key)
      if (entry === undefined || entry.clientId !== clientId) return false
      if (entry.expiresAt <= now) {
        drop(key)
        return false
      }
      return true
    },
    remember(clientId, key, now) {
      drop(key)
      while (entries.size >= settings.maxEntries) drop(entries.keys().next().value!)
      entries.set(key, { clientId, expiresAt: now + settings.maxAgeMs })
      let keys = byClient.get(clientId)
      if (keys === undefined) byClient.set(clientId, (keys = new Set()))
      keys.add(key)
    },
    forget(clientId) {
      const keys = byClient.get(clientId)
      if (keys === undefined) return
      for (const key of keys) entries.delete(key)
      byClient.delete(clientId)
    },
    get size() {
      return entries.size
    },
  }
}
