// Cloudflare Workers: tests/runtimes/workers-worker.mts, bundled by esbuild from the BUILT packages
// (`npm test` builds first; by hand: `npm run build:packages`), runs in a real workerd started by
// Miniflare (the `miniflare` devDependency brings the workerd binary as an npm package). Its
// outbound fetches reach real HTTP servers on 127.0.0.1 that this test serves: a JWKS endpoint, an
// introspection AS and an issuer. Skipped, with the reason, only when the workerd binary itself
// cannot run on this machine — and never under TOKENWARD_REQUIRE_WORKERD=1, which .ci/run sets.
import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { compactVerify, decodeJwt, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDpopNonces } from '../../packages/core/src/index.ts'
import { jwkThumbprint } from '../../packages/core/src/jose/jwk-thumbprint.ts'
import { createTestCertificateAuthority } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../packages/core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, now, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { consoleContentSecurityPolicy } from '../../packages/console/src/security-headers.ts'
import { createInMemoryClientStore, createIssuer, createPbkdf2SecretHasher, defineApiClient, generateClientSecret } from '../../packages/issuer/src/index.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const api = 'https://api.example.com'
const nonceSecret = 'a Workers nonce secret of at least 32 characters'
const introspectionClient = { id: 'rs-worker', secret: 'introspection s3cret' }

for (const built of ['web/dist/index.js', 'core/dist/web/index.js', 'console/dist/index.js', 'issuer/dist/web/index.js', 'client/dist/index.js', 'registry/dist/index.js']) {
  if (!existsSync(join(root, 'packages', built))) throw new Error(`packages/${built} is missing: run \`npm run build:packages\` (npm test does it first)`)
}

/** The Worker as one ES module: the Web builds only (`workerd`/`browser` conditions, never `node`). */
async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'tests/runtimes/workers-worker.mts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/** Why workerd cannot run here, or undefined when it can (then every failure is a real failure). */
function workerdUnavailable(): string | undefined {
  try {
    const binary = createRequire(createRequire(import.meta.url).resolve('miniflare')).resolve('workerd/bin/workerd')
    execFileSync(binary, ['--version'], { stdio: 'pipe', timeout: 10_000 })
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error)
  }
}

const unavailable = workerdUnavailable()
if (unavailable !== undefined) {
  // CI (.ci/run) sets TOKENWARD_REQUIRE_WORKERD=1: there a missing workerd fails instead of skipping.
  if (process.env.TOKENWARD_REQUIRE_WORKERD === '1') throw new Error(`workerd cannot run on this machine, and TOKENWARD_REQUIRE_WORKERD=1 requires it: ${unavailable}`)
  console.warn(`Workers tests skipped: workerd cannot run on this machine (${unavailable})`)
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('server has no port')
  return `http://127.0.0.1:${address.port}`
}
const close = (server: Server): Promise<void> => {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
const bodyOf = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe.skipIf(unavailable !== undefined)('Cloudflare Workers (workerd through Miniflare)', () => {
  let mf: Miniflare
  let script: string
  let key: TestKey
  let dpopKey: DpopKey
  const servers: Server[] = []
  const jwksFetches: string[] = []
  const introspectionCalls: { authenticatedBy: 'basic' | 'private_key_jwt' | undefined; token: string | null }[] = []
  let assertionPublicKey: CryptoKey
  let assertionPrivateJwk: JWK
  let remoteTokenRequests = 0
  let slowIssuer = false
  let remoteIssuerJwksUri: string
  let localClientSecret: string
  const ca = createTestCertificateAuthority()
  const clientPem = ca.issueClient('client-1').certificatePem
  const otherPem = ca.issueClient('client-2').certificatePem
  const fingerprintHex = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex')

  beforeAll(async () => {
    key = await makeKey('RS256', 'rs-1')
    dpopKey = await makeDpopKey('ES256')

    const jwks = createServer(async (req, res) => {
      jwksFetches.push(req.url ?? '')
      if (req.url === '/jwks/burst' || req.url === '/jwks/admin') await new Promise((resolve) => setTimeout(resolve, 300))
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' }).end(JSON.stringify({ keys: [key.publicJwk] }))
    })
    const assertionKeys = await generateKeyPair('RS256', { extractable: true })
    assertionPublicKey = assertionKeys.publicKey
    assertionPrivateJwk = await exportJWK(assertionKeys.privateKey)
    // The introspection AS (RFC 7662): client_secret_basic with the form-encoded id and secret (RFC
    // 6749 §2.3.1), or a private_key_jwt assertion (RFC 7523) whose signature and audience (the
    // introspection endpoint) it checks.
    const as = createServer(async (req, res) => {
      const form = new URLSearchParams((await bodyOf(req)).toString())
      const token = form.get('token')
      const expected = `Basic ${Buffer.from(`${encodeURIComponent(introspectionClient.id)}:${encodeURIComponent(introspectionClient.secret).replace(/%20/g, '+')}`).toString('base64')}`
      const assertion = form.get('client_assertion')
      const authenticatedBy =
        assertion !== null
          ? form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
            (await jwtVerify(assertion, assertionPublicKey, { issuer: 'rs-worker-jwt', subject: 'rs-worker-jwt', audience: `${asBase}/introspect`, algorithms: ['RS256'] }).then(
              () => true,
              () => false,
            ))
            ? 'private_key_jwt'
            : undefined
          : req.headers.authorization === expected
            ? 'basic'
            : undefined
      introspectionCalls.push({ authenticatedBy, token })
      if (authenticatedBy === undefined) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      const answer =
        token === 'opaque-active'
          ? { active: true, iss: 'https://idp.test', client_id: 'client-1', sub: 'client-1', scope: 'zscloud::12345::ReadOnly', exp: now() + 600, iat: now() - 10 }
          : { active: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
    // An issuer on 127.0.0.1 for @tokenward/client inside the Worker: DPoP-bound tokens, nonce required.
    const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
    const remoteSecret = await generateClientSecret(hasher)
    let remoteIssuer: ReturnType<typeof createIssuer> | undefined
    const issuerServer = createServer(async (req, res) => {
      remoteTokenRequests++
      if (slowIssuer) await new Promise((resolve) => setTimeout(resolve, 300))
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await bodyOf(req)
      const headers = Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => [name, v] as [string, string])))
      const response = await remoteIssuer!.handle(new Request(new URL(req.url ?? '/', remoteIssuer!.issuer), { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body: new Uint8Array(body) }) }))
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()))
    })
    servers.push(jwks, as, issuerServer)
    const [jwksBase, asBase, issuerBase] = await Promise.all([listen(jwks), listen(as), listen(issuerServer)])
    remoteIssuer = createIssuer({
      issuer: issuerBase,
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
      clients: createInMemoryClientStore([['12345', defineApiClient({ clientId: 'remote-client', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [remoteSecret.hash] } })]]),
      secretHasher: hasher,
      dpop: { requireNonce: true, nonceSecret: 'the remote issuer nonce secret, 32+ characters' },
    })
    remoteIssuerJwksUri = remoteIssuer.jwksUri
    // A port that was just free: nothing listens there when the Worker asks it for keys.
    const gone = createServer()
    const downBase = await listen(gone)
    await close(gone)

    const local = await generateClientSecret(hasher)
    localClientSecret = local.secret
    mf = new Miniflare({
      modules: true,
      script: (script = await bundleWorker()),
      compatibilityDate: '2025-09-01',
      bindings: {
        JWKS_URL: `${jwksBase}/jwks`,
        DOWN_JWKS_URL: `${downBase}/jwks`,
        INTROSPECTION_URL: `${asBase}/introspect`,
        INTROSPECTION_CLIENT_ID: introspectionClient.id,
        INTROSPECTION_CLIENT_SECRET: introspectionClient.secret,
        ASSERTION_PRIVATE_JWK: JSON.stringify(assertionPrivateJwk),
        PROXY_URL: asBase,
        TRUSTED_CA_PEM: ca.certificatePem,
        DPOP_NONCE_SECRET: nonceSecret,
        REMOTE_TOKEN_ENDPOINT: remoteIssuer.tokenEndpoint,
        REMOTE_ISSUER: remoteIssuer.issuer,
        REMOTE_CLIENT_SECRET: remoteSecret.secret,
        LOCAL_CLIENT_SECRET_HASH: JSON.stringify(local.hash),
      },
    })
    await mf.ready
  }, 30_000)

  afterAll(async () => {
    await mf?.dispose()
    await Promise.all(servers.map(close))
  })

  const call = async (path: string, init: Parameters<Miniflare['dispatchFetch']>[1] = {}) => {
    const response = await mf.dispatchFetch(`${api}${path}`, init)
    const text = await response.text()
    let body: Record<string, unknown>
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = { text }
    }
    if (response.status === 599) throw new Error(`the Worker threw: ${text}`)
    return { status: response.status, headers: response.headers, body }
  }
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

  it('the Worker is the Web build: nothing in the bundle imports a node: module', () => {
    expect(script).not.toMatch(/(?:from|import|require)\s*\(?\s*["']node:/)
    expect(script.length).toBeGreaterThan(10_000)
  })

  describe('(a) JWT with keys from a JWKS server on 127.0.0.1', () => {
    it('an RS256 token verifies with keys the Worker fetched; the JWKS is fetched once and kept', async () => {
      const first = await call('/jwt/orders', bearer(await mint(key)))
      expect(first).toMatchObject({ status: 200, body: { clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net', source: null, binding: null } })
      expect((await call('/jwt/orders', bearer(await mint(key)))).status).toBe(200)
      expect(jwksFetches.filter((path) => path === '/jwks/jwt')).toHaveLength(1)
    })

    it('a bad token → 401 with the Bearer challenge; no token → 401 bare Bearer', async () => {
      const expired = await call('/jwt/orders', bearer(await mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })))
      expect(expired.status).toBe(401)
      expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/)
      expect(expired.body).toMatchObject({ error: 'invalid_token', code: 'token_expired' })
      const forged = await call('/jwt/orders', bearer(await mint(await makeKey('RS256', 'rs-1'))))
      expect(forged.status).toBe(401)
      expect(forged.body).toMatchObject({ error: 'invalid_token' })
      const missing = await call('/jwt/orders')
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    })

    it('requests arriving together once the keys are cached: all answered', async () => {
      expect((await call('/jwt/orders', bearer(await mint(key)))).status).toBe(200)
      const answers = await Promise.all(Array.from({ length: 8 }, async () => call('/jwt/orders', bearer(await mint(key)))))
      expect(answers.map((a) => [a.status, a.body.text ?? ''])).toEqual(Array(8).fill([200, '']))
    })

    // Regression: workerd cancelled the 7 requests awaiting the first one's JWKS fetch as hung (500)
    // until the verifier held each waiting request open (packages/core/src/verifier/workers-request-hold.ts).
    it('requests arriving together while the keys are fetched: one JWKS fetch, awaited by all of them', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, async () => call('/burst/orders', bearer(await mint(key)))))
      expect(answers.map((a) => [a.status, a.body.text ?? ''])).toEqual(Array(8).fill([200, '']))
      expect(jwksFetches.filter((path) => path === '/jwks/burst')).toHaveLength(1)
    })

    it('the JWKS server down → 503 with Retry-After, never a challenge', async () => {
      const down = await call('/down/orders', bearer(await mint(key)))
      expect(down.status).toBe(503)
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(down.headers.get('www-authenticate')).toBeNull()
      expect(down.body).toMatchObject({ error: 'temporarily_unavailable', code: 'jwks_unavailable' })
    })
  })

  describe('(b) opaque token, introspected with client_secret_basic', () => {
    it('an active token verifies; an inactive one is 401; the AS saw Basic credentials', async () => {
      expect(await call('/opaque/orders', bearer('opaque-active'))).toMatchObject({ status: 200, body: { clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net', source: 'introspection' } })
      const inactive = await call('/opaque/orders', bearer('opaque-revoked'))
      expect(inactive.status).toBe(401)
      expect(inactive.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
      expect(introspectionCalls.map((c) => c.token)).toEqual(['opaque-active', 'opaque-revoked'])
      expect(introspectionCalls.map((c) => c.authenticatedBy)).toEqual(['basic', 'basic'])
      // The answer is remembered between requests in the isolate: no second call to the AS.
      expect((await call('/opaque/orders', bearer('opaque-active'))).status).toBe(200)
      expect(introspectionCalls).toHaveLength(2)
    })

    it('the same with private_key_jwt: an RS256 client assertion signed in workerd, checked by the AS', async () => {
      const calls = introspectionCalls.length
      expect(await call('/opaque-jwt/orders', bearer('opaque-active'))).toMatchObject({ status: 200, body: { clientId: 'client-1', source: 'introspection' } })
      expect(introspectionCalls.slice(calls)).toEqual([{ authenticatedBy: 'private_key_jwt', token: 'opaque-active' }])
    })
  })

  describe("what a Worker's plain fetch cannot do", () => {
    it('a proxy or extra trusted CA certificates → 503, and the AS never asked directly', async () => {
      const calls = introspectionCalls.length
      const proxied = await call('/proxied/orders', bearer('opaque-active'))
      expect(proxied.status).toBe(503)
      expect(proxied.headers.get('www-authenticate')).toBeNull()
      expect(proxied.body).toMatchObject({ error: 'temporarily_unavailable' })
      expect(introspectionCalls.length).toBe(calls)
      const extraCa = await call('/extra-ca/orders', bearer(await mint(key)))
      expect(extraCa.status).toBe(503)
      expect(extraCa.body).toMatchObject({ error: 'temporarily_unavailable', code: 'jwks_unavailable' })
    })
  })

  describe('(c) DPoP-bound token (RFC 9449) with the nonce flow', () => {
    const url = `${api}/dpop/orders`
    let token: string
    let jkt: string
    beforeAll(async () => {
      jkt = (await jwkThumbprint(dpopKey.publicJwk as Record<string, unknown>))!
      token = await mint(key, { claims: { cnf: { jkt } } })
    })
    const dpopCall = async (proof: string, scheme = 'DPoP') => call('/dpop/orders', { headers: { authorization: `${scheme} ${token}`, dpop: proof } })

    it('a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce; with it, 200 bound by jkt; a replayed proof is refused', async () => {
      const first = await dpopCall(await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }))
      expect(first.status).toBe(401)
      expect(first.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/)
      expect(first.headers.get('www-authenticate')).toContain(`resource_metadata="${api}/.well-known/oauth-protected-resource"`)
      const nonce = first.headers.get('dpop-nonce')
      expect(nonce).toMatch(/^[0-9]+\.[A-Za-z0-9_-]+$/)
      const proof = await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }, { payload: { nonce } })
      expect(await dpopCall(proof)).toMatchObject({ status: 200, body: { clientId: 'client-1', binding: { type: 'dpop', jkt } } })
      const replayed = await dpopCall(proof)
      expect(replayed.status).toBe(401)
      expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/)
    })

    it('a nonce about to expire: 200 with the next DPoP-Nonce and no-store', async () => {
      if (now() % 60 >= 58) await new Promise((resolve) => setTimeout(resolve, 2500))
      const old = await createDpopNonces({ secrets: [nonceSecret] }).issue(now() - 120)
      const r = await dpopCall(await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }, { payload: { nonce: old } }))
      expect(r.status).toBe(200)
      expect(r.headers.get('dpop-nonce')).toMatch(/^[0-9]+\.[A-Za-z0-9_-]+$/)
      expect(r.headers.get('dpop-nonce')).not.toBe(old)
      expect(r.headers.get('cache-control')).toBe('no-store')
    })

    it('the protected-resource metadata (RFC 9728) the challenges point at', async () => {
      const r = await call('/.well-known/oauth-protected-resource')
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/^application\/json/)
      expect(r.body).toMatchObject({
        resource: api,
        authorization_servers: ['https://idp.test'],
        bearer_methods_supported: ['header'],
        dpop_bound_access_tokens_required: true,
        tls_client_certificate_bound_access_tokens: true,
      })
      expect(r.body.dpop_signing_alg_values_supported).toContain('ES256')
      expect((await call('/.well-known/oauth-protected-resource/elsewhere')).status).toBe(404)
    })

    it('the DPoP-bound token presented as Bearer, or a proof for another URL → 401', async () => {
      const asBearer = await dpopCall(await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }), 'Bearer')
      expect(asBearer.status).toBe(401)
      const nonce = (await dpopCall(await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }))).headers.get('dpop-nonce')
      const elsewhere = await dpopCall(await signProof(dpopKey, { method: 'GET', url: `${api}/other`, accessToken: token, iat: now() }, { payload: { nonce } }))
      expect(elsewhere.status).toBe(401)
      expect(elsewhere.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/)
    })
  })

  describe('(d) certificate-bound token (RFC 8705) with request.cf.tlsClientAuth', () => {
    const presented = (pem: string) => ({ tlsClientAuth: { certPresented: '1', certVerified: 'SUCCESS', certFingerprintSHA256: fingerprintHex(pem), certFingerprintSHA1: '' } })
    let bound: string
    beforeAll(async () => {
      bound = await mint(key, { claims: { cnf: { 'x5t#S256': createHash('sha256').update(new X509Certificate(clientPem).raw).digest('base64url') } } })
    })

    it("the bound certificate's fingerprint → 200 with the mtls binding", async () => {
      const r = await call('/mtls/orders', { ...bearer(bound), cf: presented(clientPem) })
      expect(r).toMatchObject({ status: 200, body: { binding: { type: 'mtls' } } })
    })

    it('another certificate, or none → 401 invalid_binding', async () => {
      for (const cf of [presented(otherPem), { tlsClientAuth: { certPresented: '0' } }, {}]) {
        const r = await call('/mtls/orders', { ...bearer(bound), cf })
        expect(r.status).toBe(401)
        expect(r.body).toMatchObject({ code: 'invalid_binding' })
      }
    })
  })

  describe('API roles by resource category (issue 15)', () => {
    const as = async (method: string, path: string, role: string) =>
      call(path, { method, headers: { authorization: `Bearer ${await mint(key, { claims: { scope: `zscloud::12345::${role}` } })}` } })

    it('each route by its category: a role granting it passes, another gets 403 naming the category; unmapped paths refused', async () => {
      expect(await as('GET', '/rbac/reports', 'ReadOnly')).toMatchObject({ status: 200, body: { role: 'ReadOnly' } })
      const refused = await as('DELETE', '/rbac/policies/1', 'ReadOnly')
      expect(refused.status).toBe(403)
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
      )
      expect(await as('DELETE', '/rbac/policies/1', 'Admin')).toMatchObject({ status: 200, body: { role: 'Admin' } })
      expect((await as('GET', '/rbac/other', 'Admin')).status).toBe(403)
      expect((await as('DELETE', '/rbac/reports/%2e%2e/policies/1', 'ReadOnly')).status).toBe(403)
    })
  })

  describe('(e) the admin console', () => {
    it('serves the page and its script with the CSP', async () => {
      const page = await mf.dispatchFetch(`${api}/console/orgs/acme/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
      expect(page.headers.get('x-frame-options')).toBe('DENY')
      expect(await page.text()).toContain('<meta name="tokenward-org-id" content="acme">')
      const js = await mf.dispatchFetch(`${api}/console/assets/console.js`)
      expect(js.status).toBe(200)
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(js.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
      expect(await js.text()).toContain('x-tokenward-admin')
    })

    it('the admin API it talks to, in the same Worker: admin token 200, no permission 403, no token 401', async () => {
      const admin = (token: string | undefined) =>
        call('/admin/orgs/acme/authorization-servers', { headers: { 'x-tokenward-admin': '1', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } })
      // The first admin calls arrive together while the admin verifier fetches its keys (the same
      // regression as the JWKS burst above, through the registry's own use of the verifier).
      const together = await Promise.all(Array.from({ length: 4 }, async () => admin(await mint(key, { claims: { sub: 'alice', permissions: ['api_key_management'] } }))))
      expect(together.map((a) => [a.status, a.body.text ?? ''])).toEqual(Array(4).fill([200, '']))
      const listed = await admin(await mint(key, { claims: { sub: 'alice', permissions: ['api_key_management'] } }))
      expect(listed.status).toBe(200)
      expect(listed.headers.get('cache-control')).toBe('no-store')
      expect(listed.headers.get('etag')).toBe('"1"')
      expect((await admin(await mint(key, { claims: { sub: 'bob', permissions: ['read_reports'] } }))).status).toBe(403)
      const anonymous = await admin(undefined)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    })
  })

  describe('(f) the issuer and the token client', () => {
    it("the Worker's own token endpoint mints a token signed by a key of its JWKS", async () => {
      const r = await call('/issuer/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`worker-client:${localClientSecret}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      })
      expect(r.status).toBe(200)
      const accessToken = r.body.access_token as string
      const jwks = (await call('/issuer/jwks')).body as { keys: JWK[] }
      const { kid } = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string }
      const jwk = jwks.keys.find((k) => k.kid === kid)!
      await compactVerify(accessToken, await importJWK(jwk, jwk.alg))
      expect(decodeJwt(accessToken)).toMatchObject({ iss: `${api}/issuer`, client_id: 'worker-client' })
      const refused = await call('/issuer/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('worker-client:wrong').toString('base64')}` },
        body: 'grant_type=client_credentials',
      })
      expect(refused.status).toBe(401)
    })

    it('@tokenward/client: requests arriving together while a token is fetched share one token request, all answered', async () => {
      const before = remoteTokenRequests
      slowIssuer = true
      const answers = await Promise.all(Array.from({ length: 4 }, () => call('/client-burst/token'))).finally(() => (slowIssuer = false))
      expect(answers.map((a) => [a.status, a.body.text ?? ''])).toEqual(Array(4).fill([200, '']))
      expect(remoteTokenRequests - before).toBe(1)
    })

    it('@tokenward/client in the Worker gets a DPoP-bound token from an issuer on 127.0.0.1, answering its nonce, and caches it', async () => {
      const before = remoteTokenRequests
      const r = await call('/client/token')
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({ tokenType: 'DPoP', cached: true })
      // One request refused with use_dpop_nonce, one answered.
      expect(remoteTokenRequests - before).toBe(2)
      const claims = decodeJwt(r.body.accessToken as string) as { iss: string; cnf?: { jkt?: string } }
      expect(remoteIssuerJwksUri.startsWith(claims.iss)).toBe(true)
      expect(claims.cnf?.jkt).toBe(await jwkThumbprint(r.body.jwk as Record<string, unknown>))
    })
  })
})
