/**
 * Key names. Everything about one organization shares the hash tag `{<prefix>:org:<id>}`, so it
 * lives in one Cluster slot and a Lua script may touch all of it; organization IDs are checked
 * (lowercase letters, digits, `.`, `_`, `-`) before they reach a key, so they cannot break out of
 * the tag.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'

/** The default key prefix. */
export const defaultKeyPrefix = 'tokenward'

/** Issues with a key prefix option (no braces: they would change the hash tag). */
export function keyPrefixIssues(prefix: string, path = 'keyPrefix'): ConfigIssue[] {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:._-]{1,64}$/.test(prefix)) {
    return [{ path, message: 'must be 1-64 characters of letters, digits, ":", ".", "_" or "-"' }]
  }
  return []
}

/** The key names of one deployment (one prefix). */
export function keysOf(prefix: string) {
  const tag = (orgId: string): string => `{${prefix}:org:${orgId}}`
  return {
    /** Hash: `rev` and `doc` (the organization as JSON). */
    organization: (orgId: string) => tag(orgId),
    /** Hash: `<serverName>\n<jwksUrl>` → last successful fetch (ms). */
    keyFetches: (orgId: string) => `${tag(orgId)}:key-fetches`,
    /** String counter of one API-call window. */
    apiCalls: (orgId: string, windowStart: number) => `${tag(orgId)}:calls:${windowStart}`,
    /** String: one JWKS validation receipt. */
    receipt: (orgId: string, validationId: string) => `${tag(orgId)}:receipt:${validationId}`,
    /** String: one remembered DPoP proof (its digest), expiring with the proof. */
    replay: (digest: string) => `${prefix}:replay:{${digest}}`,
    /** String: one shared introspection answer (JSON), expiring with it. */
    introspection: (digest: string) => `${prefix}:introspection:{${digest}}`,
    /** String: one remembered client-assertion `jti` (its digest), expiring with the assertion. */
    clientAssertion: (digest: string) => `${prefix}:client-assertion:{${digest}}`,
    /** Hash: client ID → the issuer's API client (JSON). */
    clients: (orgId: string) => `${tag(orgId)}:clients`,
    /** Hash: kid → the issuer's signing key (private JWK and when it starts signing). */
    signingKeys: `{${prefix}:issuer}:signing-keys`,
    /** Set of every organization ID (its own slot). */
    index: `${prefix}:organizations`,
    /** Pub/Sub channel of organization changes: messages `<orgId> <revision>`. */
    changes: `${prefix}:organization-changes`,
    /** Stream of audit records. */
    audit: `${prefix}:audit`,
  }
}
