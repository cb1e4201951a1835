// Test support: a real core verifier (keys inline, and one whose JWKS URL is unreachable), tokens,
// and the documented events carrying Authorization headers the way each service delivers them.
// Not part of the package (excluded from builds).
import { createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { makeKey, mint, now, type TestKey } from '../../../core/src/testing/mint.test-support.ts'
import { albEvent, albMultiValueEvent, functionUrlEvent, httpApiEvent, restProxyEvent } from '../fixtures/aws-events.test-support.ts'
import type { ProxyEvent } from '../types.ts'

export const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }

export interface Setup {
  readonly key: TestKey
  /** Keys inline: never fetches. */
  readonly verifier: Verifier
  /** `jwksUrl` on a closed port: every token meets an outage (503 `jwks_unavailable`). */
  readonly down: Verifier
  readonly tokens: { readonly valid: string; readonly expired: string; readonly otherRole: string }
  close(): Promise<void>
}

export async function setup(): Promise<Setup> {
  const key = await makeKey('RS256', 'rsa-1')
  const verifier = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
  const down = createVerifier({
    server: { name: 'Test', jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://idp.test' },
    organization,
    jwks: { timeoutMs: 1000 },
  })
  const t = now()
  const tokens = {
    valid: await mint(key),
    expired: await mint(key, { claims: { iat: t - 7200, exp: t - 3600 } }),
    otherRole: await mint(key, { claims: { scope: 'zscloud::12345::Auditor' } }),
  }
  return { key, verifier, down, tokens, close: async () => void (await Promise.all([verifier.close(), down.close()])) }
}

/** The proxy event kinds, with how each carries one or more Authorization values. */
export const proxyKinds = ['rest', 'httpApi', 'functionUrl', 'alb', 'albMultiValue'] as const
export type ProxyKind = (typeof proxyKinds)[number]

export function proxyEvent(kind: ProxyKind, authorization: readonly string[] = []): ProxyEvent {
  switch (kind) {
    case 'rest': {
      // REST APIs keep the client's header-name case; `headers` holds the last value.
      const e = structuredClone(restProxyEvent) as typeof restProxyEvent & { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }
      if (authorization.length > 0) {
        e.headers.Authorization = authorization.at(-1)!
        e.multiValueHeaders.Authorization = [...authorization]
      }
      return e
    }
    case 'httpApi':
    case 'functionUrl': {
      // Payload 2.0 lower-cases names and joins repeated headers with commas.
      const e = structuredClone(kind === 'httpApi' ? httpApiEvent : functionUrlEvent) as typeof httpApiEvent & { headers: Record<string, string> }
      if (authorization.length > 0) e.headers.authorization = authorization.join(',')
      return e
    }
    case 'alb': {
      // Without multi-value headers an ALB passes the last value only.
      const e = structuredClone(albEvent) as typeof albEvent & { headers: Record<string, string> }
      if (authorization.length > 0) e.headers.authorization = authorization.at(-1)!
      return e
    }
    case 'albMultiValue': {
      const e = structuredClone(albMultiValueEvent) as typeof albMultiValueEvent & { multiValueHeaders: Record<string, string[]> }
      if (authorization.length > 0) e.multiValueHeaders.authorization = [...authorization]
      return e
    }
  }
}
