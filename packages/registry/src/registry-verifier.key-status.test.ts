// Hole 7: Last Successful Fetch Time follows the server's JWKS URL, survives a disable, is kept
// with the organization (another process and the admin API read it), and keys are refreshed on
// a schedule without traffic. Real JWKS servers on 127.0.0.1; timers injected.
import { defineAuthorizationServer } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { serverView } from './admin/server-view.ts'
import { makeTempDir } from './node/child-process.test-support.ts'
import { createFileOrganizationStore } from './node/file-organization-store.ts'
import { createRegistryVerifier, type RegistryVerifier, type RegistryVerifierOptions } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'
import type { OrganizationStore } from './store/organization-store.ts'

let key: TestKey
let jwksA: JwksServer
let jwksB: JwksServer
const cleanups: (() => Promise<void>)[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwksA = await startJwksServer([key.publicJwk])
  jwksB = await startJwksServer([key.publicJwk])
})
afterAll(async () => {
  await jwksA.close()
  await jwksB.close()
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const server = (jwksUrl: string, enabled = true) => defineAuthorizationServer({ name: 'Okta1', jwksUrl, issuer: 'https://idp.test', audience: 'api://orders', enabled })
const organization = (jwksUrl: string): Organization => ({
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
  suspension: undefined,
  authorizationServers: [server(jwksUrl)],
  revision: 1,
})

function registry(options: RegistryVerifierOptions): RegistryVerifier {
  const r = createRegistryVerifier({ keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } }, ...options })
  cleanups.push(() => r.close())
  return r
}
const call = async (r: RegistryVerifier) =>
  r.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${await mint(key)}` } }, { orgId: '12345' })

async function edit(store: OrganizationStore, f: (o: Organization) => Organization) {
  const org = (await store.get('12345'))!
  expect((await store.put({ ...f(org), revision: org.revision + 1 }, org.revision)).ok).toBe(true)
}

/** Lets pending I/O (an HTTP fetch on loopback, a file write) finish. */
async function settle(until: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 200 && !(await until()); i++) await new Promise((r) => setTimeout(r, 10))
}

describe('registry verifier: last successful fetch time', () => {
  it('follows the JWKS URL: after the URL changes it reads never, then the new time', async () => {
    let clock = Date.UTC(2026, 0, 1)
    const store = createInMemoryOrganizationStore([organization(jwksA.url)])
    const r = registry({ store, clock: () => clock })
    expect(await r.keyStatus('12345', 'Okta1')).toBeUndefined()
    await call(r) // the token is minted with the real clock; only the key fetch matters here
    expect((await r.keyStatus('12345', 'Okta1'))?.getTime()).toBe(Date.UTC(2026, 0, 1))
    await edit(store, (o) => ({ ...o, authorizationServers: [server(jwksB.url)] }))
    expect(await r.keyStatus('12345', 'Okta1')).toBeUndefined()
    clock += 60_000
    await call(r)
    expect((await r.keyStatus('12345', 'Okta1'))?.getTime()).toBe(Date.UTC(2026, 0, 1, 0, 1))
    expect(jwksB.fetches).toBeGreaterThan(0)
  })

  it('survives a disable: a disabled server still shows when its keys were last fetched', async () => {
    const store = createInMemoryOrganizationStore([organization(jwksA.url)])
    const r = registry({ store })
    expect((await call(r)).ok).toBe(true)
    const fetched = await r.keyStatus('12345', 'Okta1')
    expect(fetched).toBeInstanceOf(Date)
    await edit(store, (o) => ({ ...o, authorizationServers: [server(jwksA.url, false)] }))
    expect((await call(r)).ok).toBe(false)
    expect(await r.keyStatus('12345', 'Okta1')).toEqual(fetched)
  })

  it('is kept with the organization: another process and an admin API without a verifier read it, and the revision is unchanged', async () => {
    const { dir, remove } = await makeTempDir('key-status')
    const storeA = await createFileOrganizationStore({ directory: dir })
    const storeB = await createFileOrganizationStore({ directory: dir })
    cleanups.push(remove, () => storeA.close(), () => storeB.close())
    await storeA.put(organization(jwksA.url), undefined)
    const r = registry({ store: storeA })
    expect((await call(r)).ok).toBe(true)
    const fetched = await r.keyStatus('12345', 'Okta1')
    const other = registry({ store: storeB }) // has fetched nothing itself
    await settle(async () => (await other.keyStatus('12345', 'Okta1')) !== undefined)
    expect(await other.keyStatus('12345', 'Okta1')).toEqual(fetched)
    const org = (await storeB.get('12345'))!
    expect(org.revision).toBe(1)
    const view = await serverView({ options: { store: storeB, keyStatus: undefined, onError: () => {} } as never }, org, org.authorizationServers[0]!, 0)
    expect(view.lastSuccessfulFetchAt).toBe(fetched!.toISOString())
  })

  it('refreshes the keys of an enabled server on a schedule, with jitter, without any API call', async () => {
    const scheduled: { run: () => void; ms: number }[] = []
    const before = jwksA.fetches
    jwksA.cacheControl = 'max-age=300'
    let clock = Date.now()
    const store = createInMemoryOrganizationStore([organization(jwksA.url)])
    const r = registry({
      store,
      clock: () => clock,
      random: () => 0.5,
      keyRefresh: { jitter: 0.1, initialSpreadMs: 10_000 },
      timers: { setTimeout: (run, ms) => scheduled.push({ run, ms }), clearTimeout: () => {} },
    })
    await settle(() => scheduled.some((t) => t.ms === 5_000))
    const first = scheduled.find((t) => t.ms === 5_000)! // initial spread 10 s × 0.5
    expect(jwksA.fetches).toBe(before)
    first.run()
    await settle(() => jwksA.fetches > before && scheduled.some((t) => t.ms === 315_000))
    expect(jwksA.fetches).toBe(before + 1)
    expect(await r.keyStatus('12345', 'Okta1')).toBeInstanceOf(Date)
    // Next: after the max-age (300 s) plus jitter (10 % × 0.5).
    const next = scheduled.find((t) => t.ms === 315_000)!
    clock += 315_000
    next.run()
    await settle(() => jwksA.fetches > before + 1)
    expect(jwksA.fetches).toBe(before + 2)
  })

  it('stops scheduling when closed', async () => {
    const cleared: unknown[] = []
    let n = 0
    const store = createInMemoryOrganizationStore([organization(jwksA.url)])
    const r = createRegistryVerifier({ store, keyRefresh: {}, jwks: { addressPolicy: { developmentLoopback: true } }, timers: { setTimeout: () => ++n, clearTimeout: (t) => cleared.push(t) } })
    await settle(() => n >= 1) // the organization's first refresh (no sink: no summary timer)
    expect(n).toBe(1)
    await r.close()
    expect(cleared).toEqual([1])
  })
})
