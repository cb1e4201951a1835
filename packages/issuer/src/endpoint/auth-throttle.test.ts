// The failed-authentication throttle: pure rules with time as a parameter, then through the
// token endpoint, where a locked client ID costs no secret check.
import { ConfigError } from '@tokenward/core'
import { describe, expect, it } from 'vitest'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore } from '../client/client-store.ts'
import { generateClientSecret } from '../secret/client-secret.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import type { SecretHasher } from '../secret/secret-hasher.ts'
import { form } from '../testing/issuer-fixture.test-support.ts'
import { checkThrottleOptions, createAuthThrottle } from './auth-throttle.ts'
import { createIssuer } from './create-issuer.ts'

describe('createAuthThrottle', () => {
  it('locks a client ID after maxFailures within the window, for lockoutSeconds, and forgets it on success', () => {
    const t = createAuthThrottle({ maxFailures: 3, windowSeconds: 10, lockoutSeconds: 60 })
    t.recordFailure('a', 0)
    t.recordFailure('a', 1_000)
    expect(t.lockedFor('a', 1_000)).toBeUndefined()
    t.recordFailure('a', 2_000)
    expect(t.lockedFor('a', 2_000)).toBe(60)
    expect(t.lockedFor('b', 2_000)).toBeUndefined() // per client ID
    expect(t.lockedFor('a', 61_999)).toBe(1)
    expect(t.lockedFor('a', 62_000)).toBeUndefined()
    // Failures outside the window do not add up.
    const w = createAuthThrottle({ maxFailures: 2, windowSeconds: 10 })
    w.recordFailure('a', 0)
    w.recordFailure('a', 10_001)
    expect(w.lockedFor('a', 10_001)).toBeUndefined()
    w.recordSuccess('a')
    w.recordFailure('a', 10_002)
    expect(w.lockedFor('a', 10_002)).toBeUndefined()
  })

  it('tracks at most maxTrackedClients IDs (a flood of unknown IDs costs bounded memory)', () => {
    const t = createAuthThrottle({ maxFailures: 2, maxTrackedClients: 2 })
    t.recordFailure('a', 0)
    t.recordFailure('b', 0)
    t.recordFailure('c', 0) // forgets a
    t.recordFailure('a', 1)
    expect(t.lockedFor('a', 1)).toBeUndefined()
    t.recordFailure('c', 2)
    expect(t.lockedFor('c', 2)).toBe(300)
  })

  it('checks its options by path', () => {
    expect(checkThrottleOptions({ maxFailures: 0, windowSeconds: 1.5, extra: 1 }, 't').map((i) => i.path).sort()).toEqual(['t.extra', 't.maxFailures', 't.windowSeconds'])
    expect(() => createIssuer({ issuer: 'https://as.example', organization: { cloud: 'c', orgId: '1', cloudDomain: 'c.net', apiRoles: ['R'] }, clients: createInMemoryClientStore(), failedAuthenticationThrottle: { lockoutSeconds: -1 } })).toThrow(ConfigError)
  })
})

describe('token endpoint with the throttle', () => {
  it('answers 429 with Retry-After once a client ID is locked, checking no secret meanwhile; off by default', async () => {
    const pbkdf2 = createPbkdf2SecretHasher({ iterations: 10_000 })
    let verifications = 0
    const hasher: SecretHasher = { ...pbkdf2, hash: (s) => pbkdf2.hash(s), verify: (s, h) => (verifications++, pbkdf2.verify(s, h)) }
    const { secret, hash } = await generateClientSecret(pbkdf2)
    const clients = createInMemoryClientStore([['1', defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
    let now = Date.parse('2026-12-06T03:00:00Z')
    const make = (throttled: boolean) =>
      createIssuer({
        issuer: 'https://as.example',
        organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] },
        clients,
        secretHasher: hasher,
        verifiedSecretCache: false,
        clock: () => now,
        ...(throttled ? { failedAuthenticationThrottle: { maxFailures: 3, lockoutSeconds: 30 } } : {}),
      })
    const post = (issuer: ReturnType<typeof make>, clientSecret: string) =>
      issuer.handle(new Request('https://as.example/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'client_credentials', client_id: 'c', client_secret: clientSecret }) }))

    const open = make(false)
    for (let i = 0; i < 5; i++) expect((await post(open, 'wrong')).status).toBe(401)
    expect((await post(open, secret)).status).toBe(200)

    const issuer = make(true)
    for (let i = 0; i < 3; i++) expect((await post(issuer, 'wrong')).status).toBe(401)
    verifications = 0
    const locked = await post(issuer, secret) // even the right secret waits out the lockout
    expect({ status: locked.status, retryAfter: locked.headers.get('retry-after'), error: ((await locked.json()) as { error: string }).error }).toEqual({ status: 429, retryAfter: '30', error: 'temporarily_unavailable' })
    expect(verifications).toBe(0)
    now += 30_000
    expect((await post(issuer, secret)).status).toBe(200)
  })
})
