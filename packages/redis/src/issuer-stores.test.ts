// The issuer's client store and signing-key store on a real redis-server: the same contracts the
// in-memory stores pass, two instances agreeing on keys and clients, and 503 when Redis is down.
import { StoreUnavailableError } from '@tokenward/core'
import { clientStoreContract, createIssuer, defineApiClient } from '@tokenward/issuer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { form, makeClientKeys, signAssertion } from '../../issuer/src/testing/issuer-fixture.test-support.ts'
import { describeSigningKeyStoreContract } from '../../issuer/src/testing/signing-key-store-contract.test-support.ts'
import { createRedisClientStore } from './client-store.ts'
import { createRedisConnection, type RedisConnection } from './connection.ts'
import { createRedisClientAssertionReplayStore } from './replay-store.ts'
import { createRedisSigningKeyStore } from './signing-key-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled)('the issuer\'s stores on Redis (real redis-server)', () => {
  let server: TestRedisServer
  let connection: RedisConnection
  let n = 0
  beforeAll(async () => {
    server = await startRedisServer()
    connection = await createRedisConnection({ url: server.url })
  })
  afterAll(async () => {
    await connection?.close()
    await server?.stop()
  })

  describe('ClientStore contract: redis', () => {
    for (const c of clientStoreContract) it(c.name, () => c.run(createRedisClientStore({ connection, keyPrefix: `clients${++n}` })))
  })

  describeSigningKeyStoreContract('redis', () => createRedisSigningKeyStore({ connection, keyPrefix: `keys${++n}`, maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 }))

  it('two instances starting together agree on one first key; a rotation on one is seen by the other', async () => {
    const other = await createRedisConnection({ url: server.url })
    try {
      const keyPrefix = `fleetkeys${++n}`
      const a = createRedisSigningKeyStore({ connection, keyPrefix, publishAheadSeconds: 300 })
      const b = createRedisSigningKeyStore({ connection: other, keyPrefix, publishAheadSeconds: 300 })
      const t0 = Date.now()
      const [ka, kb] = await Promise.all([a.signingKey(t0), b.signingKey(t0)])
      expect(ka.kid).toBe(kb.kid)
      await a.rotate(t0)
      expect((await b.publishedKeys(t0)).map((k) => k.kid)).toHaveLength(2)
      expect((await b.signingKey(t0 + 300_000)).kid).toBe((await a.signingKey(t0 + 300_000)).kid)
      expect((await b.signingKey(t0 + 300_000)).kid).not.toBe(ka.kid)
    } finally {
      await other.close()
    }
  })

  it('a client written on one instance is read on another; the stored client holds a hash, never a secret', async () => {
    const other = await createRedisConnection({ url: server.url })
    try {
      const keyPrefix = `fleetclients${++n}`
      const client = defineApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://reporting.example.com/jwks.json' } })
      await createRedisClientStore({ connection, keyPrefix }).put('12345', client)
      expect(await createRedisClientStore({ connection: other, keyPrefix }).get('12345', 'reporting')).toEqual(client)
      expect(await connection.command(['HKEYS', `{${keyPrefix}:org:12345}:clients`])).toEqual(['reporting'])
    } finally {
      await other.close()
    }
  })

  it('two token endpoints (instances) on one Redis: same clients, same signing key, and an assertion used at A is refused at B', async () => {
    const other = await createRedisConnection({ url: server.url })
    const keyPrefix = `endpoint${++n}`
    const keys = await makeClientKeys('c-1')
    const issuerId = 'https://auth.example.com'
    await createRedisClientStore({ connection, keyPrefix }).put('12345', defineApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicPem } }))
    const endpoint = (c: RedisConnection) =>
      createIssuer({
        issuer: issuerId,
        organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
        clients: createRedisClientStore({ connection: c, keyPrefix }),
        signingKeys: createRedisSigningKeyStore({ connection: c, keyPrefix }),
        replayStore: createRedisClientAssertionReplayStore({ connection: c, keyPrefix }),
        resources: ['https://api.example.com/'],
      })
    const [a, b] = [endpoint(connection), endpoint(other)]
    try {
      const body = form({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await signAssertion(keys, { clientId: 'reporting', audience: issuerId }),
        scope: 'zscloud::12345::ReadOnly',
      })
      const post = (i: typeof a) => i.handle(new Request(`${issuerId}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }))
      const first = await post(a)
      expect(first.status).toBe(200)
      const replayed = await post(b)
      expect(replayed.status).toBe(401)
      expect(((await replayed.json()) as { error: string }).error).toBe('invalid_client')
      const jwksA = (await (await a.handle(new Request(a.jwksUri))).json()) as { keys: { kid: string }[] }
      const jwksB = (await (await b.handle(new Request(b.jwksUri))).json()) as { keys: { kid: string }[] }
      expect(jwksA.keys.map((k) => k.kid)).toEqual(jwksB.keys.map((k) => k.kid))
      const { access_token: accessToken } = (await first.json()) as { access_token: string }
      expect(JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()).kid).toBe(jwksB.keys[0]!.kid)
    } finally {
      await Promise.all([a.close(), b.close()])
      await other.close()
    }
  })

  it('refuses an organization ID that could break out of its key, and checks its options', async () => {
    const store = createRedisClientStore({ connection })
    await expect(store.get('a}b', 'x')).rejects.toThrow()
    expect(() => createRedisClientStore({ connection, keyPrefix: '{x}' })).toThrow(/keyPrefix/)
    expect(() => createRedisSigningKeyStore({ connection, maxTokenLifetimeSeconds: 0, publishAheadSeconds: -1 })).toThrow(/maxTokenLifetimeSeconds[\s\S]*publishAheadSeconds/)
  })

  it('Redis down: both stores reject with StoreUnavailableError (503), never a stale or made-up answer', async () => {
    const own = await startRedisServer()
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200 })
    try {
      const clients = createRedisClientStore({ connection: c })
      const keys = createRedisSigningKeyStore({ connection: c })
      await keys.signingKey(Date.now())
      await own.kill()
      await expect(clients.get('12345', 'reporting')).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(clients.put('12345', defineApiClient({ clientId: 'x', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://x.example.com/jwks' } }))).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(keys.signingKey(Date.now())).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(keys.publishedKeys(Date.now())).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await c.close()
      await own.stop()
    }
  })
})
