// The registry verifier over the Redis store: a cached bearer token costs no Redis round trip (the
// change feed, not a per-request read, keeps the organization fresh), the key-fetch records stay
// bounded, and the recheck still confirms by revision when the feed is silent.
import { defineAuthorizationServer } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { createRegistryVerifier } from '@tokenward/registry'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createRedisConnection, type RedisConnection } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

/** The connection, counting round trips. */
function counting(connection: RedisConnection): RedisConnection & { roundTrips: number } {
  const counted = {
    roundTrips: 0,
    command: (args: readonly string[]) => (counted.roundTrips++, connection.command(args)),
    script: (script: string, keys: readonly string[], args: readonly string[]) => (counted.roundTrips++, connection.script(script, keys, args)),
    subscribe: connection.subscribe,
    report: connection.report,
    close: connection.close,
  }
  return counted
}

describe.skipIf(!redisServerInstalled)('the registry verifier on Redis (real redis-server)', () => {
  let server: TestRedisServer
  let key: TestKey
  let jwks: JwksServer
  beforeAll(async () => {
    server = await startRedisServer()
    key = await makeKey('ES256', 'k1')
    jwks = await startJwksServer([key.publicJwk])
  })
  afterAll(async () => {
    await jwks?.close()
    await server?.stop()
  })

  const organization = (): Organization => ({
    orgId: '12345',
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'] },
    subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
    suspension: undefined,
    authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })],
    revision: 1,
  })

  it('answers a cached bearer token with no Redis round trip, and still applies a change from the feed', async () => {
    const connection = counting(await createRedisConnection({ url: server.url }))
    const store = createRedisOrganizationStore({ connection, keyPrefix: 'hot' })
    await store.put(organization(), undefined)
    const registry = createRegistryVerifier({ store, organizationRecheckMs: 60_000, keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } } })
    const token = await mint(key)
    const call = () => registry.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } }, { orgId: '12345' }).then((v) => (v.ok ? 'accepted' : v.error.code))
    expect(await call()).toBe('accepted')
    await new Promise((r) => setTimeout(r, 50)) // the key-fetch record is written in the background
    const before = connection.roundTrips
    for (let i = 0; i < 500; i++) expect(await call()).toBe('accepted')
    expect(connection.roundTrips - before).toBe(0)

    // Another process's write arrives through the feed.
    const other = await createRedisConnection({ url: server.url })
    const writer = createRedisOrganizationStore({ connection: other, keyPrefix: 'hot' })
    await writer.put({ ...organization(), suspension: { reason: 'terms_violation', since: 1 }, revision: 2 } as Organization, 1)
    let result = await call()
    for (let i = 0; i < 100 && result === 'accepted'; i++) {
      await new Promise((r) => setTimeout(r, 10))
      result = await call()
    }
    expect(result).toBe('server_disabled')
    await registry.close()
    await writer.close()
    await store.close()
    await other.close()
    await connection.close()
  })

  it('keeps at most 64 key-fetch records per organization, dropping the oldest', async () => {
    const connection = await createRedisConnection({ url: server.url })
    const store = createRedisOrganizationStore({ connection, keyPrefix: 'bound' })
    await store.put(organization(), undefined)
    for (let i = 0; i < 70; i++) await store.recordKeyFetch!('12345', { serverName: 'Okta1', jwksUrl: `https://a.example/keys/${i}`, lastSuccessfulFetchAt: 1000 + i })
    const records = await store.keyFetches!('12345')
    expect(records).toHaveLength(64)
    expect(records[0]!.lastSuccessfulFetchAt).toBe(1006)
    await store.close()
    await connection.close()
  })
})
