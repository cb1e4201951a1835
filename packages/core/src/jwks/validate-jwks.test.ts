import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeHttpGet } from '../platform/node-http.ts'
import {
  createTestCertificateAuthority,
  startHttpServer,
  startHttpsServer,
  type TestCertificateAuthority,
  type TestHandler,
  type TestServer,
} from '../platform/tls-fixture.test-support.ts'
import type { HttpGet } from '../platform/types.ts'
import { validateJwks as validateJwksDoor } from './validate-jwks-door.ts'
import { validateJwks } from './validate-jwks.ts'

const ecJwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' }
const rsaJwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256' }
const weakRsaJwk = { ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), kid: 'rsa-weak' }
const octJwk = { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }

const bodies: Record<string, { status: number; body: string }> = {
  '/jwks': { status: 200, body: JSON.stringify({ keys: [ecJwk, rsaJwk] }) },
  '/mixed': { status: 200, body: JSON.stringify({ keys: [ecJwk, weakRsaJwk, octJwk, { kty: 5, kid: 'bad' }, { ...ecJwk }] }) },
  '/unusable': { status: 200, body: JSON.stringify({ keys: [weakRsaJwk, octJwk] }) },
  '/empty': { status: 200, body: '{"keys":[]}' },
  '/garbage': { status: 200, body: '<html>login</html>' },
  '/missing': { status: 404, body: 'not found' },
  '/moved': { status: 301, body: '' },
  '/boom': { status: 500, body: 'SECRET-BYTES internal stack trace at 10.1.2.3' },
  '/teapot': { status: 418, body: 'SECRET-BYTES' },
  '/secret-html': { status: 200, body: '<html>SECRET-BYTES ami-id i-0abc</html>' },
  '/secret-json': { status: 200, body: '{"AccessKeyId":"SECRET-BYTES"}' },
}

let requestsSeen = 0
const handler: TestHandler = (req, res) => {
  requestsSeen++
  const answer = bodies[req.url ?? ''] ?? { status: 404, body: '' }
  res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.status === 301 ? { location: '/jwks' } : {}) })
  res.end(answer.body)
}

let ca: TestCertificateAuthority
let httpsServer: TestServer
let wrongHostServer: TestServer
let httpServer: TestServer

beforeAll(async () => {
  ca = createTestCertificateAuthority()
  httpsServer = await startHttpsServer(ca.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }), handler)
  wrongHostServer = await startHttpsServer(ca.issue({ dnsNames: ['example.test'] }), handler)
  httpServer = await startHttpServer(handler)
})

afterAll(async () => {
  await Promise.all([httpsServer.close(), wrongHostServer.close(), httpServer.close()])
})

const fixedNow = () => new Date('2030-01-02T03:04:05.000Z')

describe('validateJwks against a real HTTPS server', () => {
  it('reports a healthy JWKS behind a trusted private CA', async () => {
    const report = await validateJwks({
      url: `${httpsServer.origin}/jwks`,
      trustedCertificates: [ca.certificatePem],
      httpGet: nodeHttpGet,
      now: fixedNow,
    })
    expect(report).toEqual({
      url: `${httpsServer.origin}/jwks`,
      reachable: true,
      tls: 'ok',
      httpStatus: 200,
      validJwkSet: true,
      keys: [
        { kid: 'ec-1', kty: 'EC', use: 'sig', usable: true, algorithms: ['ES256'], problems: [] },
        { kid: 'rsa-1', kty: 'RSA', alg: 'RS256', usable: true, algorithms: ['RS256'], problems: [] },
      ],
      usableSigningKeyCount: 2,
      problems: [],
      warnings: [],
      ok: true,
      checkedAt: '2030-01-02T03:04:05.000Z',
    })
  })

  it('fails TLS when the CA is not trusted, with no request body examined', async () => {
    const report = await validateJwks({ url: `${httpsServer.origin}/jwks`, httpGet: nodeHttpGet })
    expect(report.tls).toBe('failed')
    expect(report.reachable).toBe(false)
    expect(report.httpStatus).toBeUndefined()
    expect(report.validJwkSet).toBe(false)
    expect(report.keys).toEqual([])
    expect(report.ok).toBe(false)
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatch(/^TLS certificate not trusted \(UNABLE_TO_/)
  })

  it('marks TLS as not checked, and warns, when validation is switched off', async () => {
    const report = await validateJwks({ url: `${httpsServer.origin}/jwks`, certificateValidation: false, httpGet: nodeHttpGet })
    expect(report.tls).toBe('not_checked')
    expect(report.ok).toBe(true)
    expect(report.usableSigningKeyCount).toBe(2)
    expect(report.warnings).toEqual(["TLS certificate validation is switched off: the server's identity is not checked"])
  })

  it('fails TLS for a certificate issued to another host, even with its CA trusted', async () => {
    const report = await validateJwks({ url: `${wrongHostServer.origin}/jwks`, trustedCertificates: [ca.certificatePem], httpGet: nodeHttpGet })
    expect(report.tls).toBe('failed')
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual(['TLS certificate is not valid for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)'])
  })

  it('the Promise door uses the runtime HTTP client (custom CA honoured on Node)', async () => {
    const report = await validateJwksDoor({ url: `${httpsServer.origin}/jwks`, trustedCertificates: [ca.certificatePem] })
    expect(report.ok).toBe(true)
    expect(report.tls).toBe('ok')
    expect(report.keys.map((k) => k.kid)).toEqual(['ec-1', 'rsa-1'])
  })
})

describe('validateJwks: what the server answers', () => {
  const check = (path: string) =>
    validateJwks({ url: `${httpsServer.origin}${path}`, trustedCertificates: [ca.certificatePem], httpGet: nodeHttpGet })

  it('reports each key: usable ones with algorithms, unusable ones with problems; ignored and duplicate keys as warnings', async () => {
    const report = await check('/mixed')
    expect(report.ok).toBe(true)
    expect(report.usableSigningKeyCount).toBe(2)
    expect(report.keys.map((k) => [k.kid, k.kty, k.usable])).toEqual([
      ['ec-1', 'EC', true],
      ['rsa-weak', 'RSA', false],
      ['hmac', 'oct', false],
      ['ec-1', 'EC', true],
    ])
    expect(report.keys[1]?.algorithms).toEqual([])
    expect(report.keys[1]?.problems.join(' ')).toMatch(/2048/)
    expect(report.keys[2]?.problems.length).toBeGreaterThan(0)
    expect(report.warnings).toEqual([
      'keys[3] (kid "bad") is ignored: kty: expected a string',
      'several usable keys share kid "ec-1"',
    ])
  })

  it('is not ok when no key can verify signatures', async () => {
    const report = await check('/unusable')
    expect(report.validJwkSet).toBe(true)
    expect(report.usableSigningKeyCount).toBe(0)
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual(['no key in the JWK Set can verify token signatures'])
  })

  it.each([
    ['/empty', 200, true, 'the JWK Set contains no keys'],
    ['/garbage', 200, false, 'not a JWK Set: body is not JSON ('],
    ['/missing', 404, false, 'the server answered HTTP 404; a JWKS URL must answer 200'],
    ['/moved', 301, false, 'the server answered HTTP 301; a JWKS URL must answer 200 (redirects are not followed)'],
  ])('%s: reachable, status %i, validJwkSet %s, problem named', async (path, status, valid, problem) => {
    const report = await check(path)
    expect(report.reachable).toBe(true)
    expect(report.tls).toBe('ok')
    expect(report.httpStatus).toBe(status)
    expect(report.validJwkSet).toBe(valid)
    expect(report.ok).toBe(false)
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]?.startsWith(problem)).toBe(true)
  })

  it('accepts plain http on a loopback host, with tls not applicable', async () => {
    const report = await validateJwks({ url: `${httpServer.origin}/jwks`, httpGet: nodeHttpGet })
    expect(report.ok).toBe(true)
    expect(report.tls).toBe('not_applicable')
    expect(report.httpStatus).toBe(200)
  })

  it('reports an unreachable server', async () => {
    const closed = await startHttpServer(handler)
    const origin = closed.origin
    await closed.close()
    const report = await validateJwks({ url: `${origin}/jwks`, httpGet: nodeHttpGet })
    expect(report.reachable).toBe(false)
    expect(report.tls).toBe('not_applicable')
    expect(report.problems[0]).toMatch(/^network error: connect ECONNREFUSED/)
  })
})

describe('validateJwks: URL rules (no request made)', () => {
  let requests = 0
  const countingHttpGet: HttpGet = async () => {
    requests += 1
    throw new Error('must not be called')
  }

  it.each([
    ['not a url', 'the JWKS URL must be an absolute URL'],
    ['/relative/jwks', 'the JWKS URL must be an absolute URL'],
    ['http://idp.example/jwks', 'the JWKS URL must use https (plain http only for loopback hosts)'],
    ['http://10.0.0.1/jwks', 'the JWKS URL must use https (plain http only for loopback hosts)'],
    ['ftp://idp.example/jwks', 'the JWKS URL must use https'],
    ['file:///etc/jwks.json', 'the JWKS URL must use https'],
    // Saving refuses these, so validating must too (it used to only warn about credentials).
    ['https://user:pw@idp.example/jwks', 'the JWKS URL must not contain credentials'],
    ['https://idp.example/jwks#keys', 'the JWKS URL must not contain a fragment'],
  ])('%s → %s', async (url, problem) => {
    const before = requests
    const report = await validateJwks({ url, httpGet: countingHttpGet })
    expect(requests).toBe(before)
    expect(report.problems).toEqual([problem])
    expect(report.ok).toBe(false)
    expect(report.reachable).toBe(false)
    expect(report.url).toBe(url)
  })

  it.each(['http://localhost:8080/jwks', 'http://127.1.2.3/jwks', 'http://[::1]:9000/jwks', 'http://auth.localhost/jwks'])(
    'allows plain http for loopback %s',
    async (url) => {
      let seen: URL | undefined
      const httpGet: HttpGet = async (request) => {
        seen = request.url
        return { status: 200, headers: new Headers(), body: new TextEncoder().encode(JSON.stringify({ keys: [ecJwk] })) }
      }
      const report = await validateJwks({ url, httpGet })
      expect(seen?.href).toBe(new URL(url).href)
      expect(report.ok).toBe(true)
      expect(report.tls).toBe('not_applicable')
    },
  )

  it('passes the request settings to the HTTP seam, with defaults', async () => {
    const seen: unknown[] = []
    const httpGet: HttpGet = async (request) => {
      seen.push(request)
      return { status: 200, headers: new Headers(), body: new TextEncoder().encode('{"keys":[]}') }
    }
    await validateJwks({ url: 'https://idp.example/jwks', httpGet })
    await validateJwks({ url: 'https://idp.example/jwks', httpGet, timeoutMs: 100, maxBytes: 10, certificateValidation: false, trustedCertificates: ['PEM'] })
    expect(seen).toEqual([
      { url: new URL('https://idp.example/jwks'), timeoutMs: 5000, maxBytes: 524288, certificateValidation: true, trustedCertificates: [] },
      { url: new URL('https://idp.example/jwks'), timeoutMs: 100, maxBytes: 10, certificateValidation: false, trustedCertificates: ['PEM'] },
    ])
  })

  it('never rejects, even when the HTTP seam throws something odd', async () => {
    const report = await validateJwks({
      url: 'https://idp.example/jwks',
      httpGet: async () => {
        throw 'boom'
      },
    })
    expect(report.problems).toEqual(['request failed: boom'])
    expect(report.tls).toBe('not_checked')
  })
})

describe('validateJwks for a tenant: an address policy, and a report that echoes nothing', () => {
  // The test servers live on 127.0.0.1: the operator allow-lists it, as one would an internal IdP.
  const tenantCheck = (url: string, extra: Partial<Parameters<typeof validateJwks>[0]> = {}) =>
    validateJwks({ url, trustedCertificates: [ca.certificatePem], httpGet: nodeHttpGet, addressPolicy: { allow: ['127.0.0.1/32'] }, detail: 'tenant', ...extra })
  const leaks = (report: object): string[] =>
    ['SECRET', 'stack', '10.1.2.3', 'ami-id', 'AccessKeyId', 'ECONNREFUSED', 'UNABLE_TO', 'self-signed', 'issuer', 'ERR_', '500', '418', 'Unexpected', 'JSON at']
      // The report names the URL it checked; its random port may spell a marker ('…:35001').
      .filter((marker) => JSON.stringify(report).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:port').includes(marker))

  it('a 500 answer: the coarse class only, no status code, none of the body', async () => {
    const report = await tenantCheck(`${httpsServer.origin}/boom`)
    expect(report).toMatchObject({ ok: false, reachable: true, validJwkSet: false, problems: ['the server answered HTTP 5xx; a JWKS URL must answer 200'] })
    expect(report.httpStatus).toBeUndefined()
    expect(leaks(report)).toEqual([])
    expect((await tenantCheck(`${httpsServer.origin}/teapot`)).problems).toEqual(['the server answered HTTP 4xx; a JWKS URL must answer 200'])
  })

  it('a garbage or foreign JSON body: "not a JWK Set", none of its bytes', async () => {
    for (const path of ['/secret-html', '/secret-json']) {
      const report = await tenantCheck(`${httpsServer.origin}${path}`)
      expect(report.problems).toEqual(['not a JWK Set (the response is not a JSON object with a keys array)'])
      expect(leaks(report)).toEqual([])
    }
    // The operator's report (CLI, code) still says what the parser saw.
    const operator = await validateJwks({ url: `${httpsServer.origin}/secret-html`, trustedCertificates: [ca.certificatePem], httpGet: nodeHttpGet })
    expect(operator.problems[0]).toMatch(/^not a JWK Set: /)
  })

  it('socket and TLS failures: "unreachable", "TLS certificate not trusted", no error text', async () => {
    const closed = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), handler)
    const origin = closed.origin
    await closed.close()
    const refused = await tenantCheck(`${origin}/jwks`)
    expect(refused.problems).toEqual(['unreachable'])
    const untrusted = await tenantCheck(`${httpsServer.origin}/jwks`, { trustedCertificates: [] })
    expect(untrusted).toMatchObject({ tls: 'failed', problems: ['TLS certificate not trusted (or the TLS handshake failed)'] })
    const wrongHost = await tenantCheck(`${wrongHostServer.origin}/jwks`)
    expect(wrongHost.problems).toEqual(['TLS certificate not trusted (or the TLS handshake failed)'])
    expect([...leaks(refused), ...leaks(untrusted), ...leaks(wrongHost)]).toEqual([])
  })

  it('a good JWK Set is still described key by key', async () => {
    const report = await tenantCheck(`${httpsServer.origin}/jwks`)
    expect(report).toMatchObject({ ok: true, reachable: true, tls: 'ok', validJwkSet: true, usableSigningKeyCount: 2 })
    expect(report.keys.map((k) => k.kid)).toEqual(['ec-1', 'rsa-1'])
  })

  it('refuses loopback and metadata addresses in every spelling without a request, unless the operator opens them', async () => {
    const before = requestsSeen
    const port = new URL(httpServer.origin).port
    for (const url of [
      `${httpServer.origin}/jwks`,
      `http://localhost:${port}/jwks`,
      `https://localhost:${new URL(httpsServer.origin).port}/jwks`,
      'https://2852039166/latest/meta-data/',
      'https://0251.0376.0251.0376/latest/meta-data/',
      'https://0xa9fea9fe/latest/meta-data/',
      'https://[::ffff:169.254.169.254]/latest/meta-data/',
      'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
      'https://10.0.0.1/keys',
      'https://[fd00::1]/keys',
      'https://0.0.0.0/keys',
    ]) {
      const report = await validateJwks({ url, httpGet: nodeHttpGet, addressPolicy: {}, detail: 'tenant' })
      expect([url, report.ok, report.reachable, report.problems]).toEqual([url, false, false, ['address not allowed: a JWKS URL must be https and reach public addresses only']])
    }
    expect(requestsSeen).toBe(before)
    const dev = await validateJwks({ url: `${httpServer.origin}/jwks`, httpGet: nodeHttpGet, addressPolicy: { developmentLoopback: true }, detail: 'tenant' })
    expect(dev.ok).toBe(true)
    const operator = await validateJwks({ url: 'https://169.254.169.254/latest/meta-data/', httpGet: async () => ({ status: 200, headers: new Headers(), body: new Uint8Array() }), addressPolicy: {} })
    expect(operator.problems).toEqual(['address not allowed: 169.254.169.254 is a link-local address, not allowed by the address policy'])
  })

  it('reports an invalid policy as a problem instead of throwing', async () => {
    const report = await validateJwks({ url: 'https://idp.example/keys', httpGet: nodeHttpGet, addressPolicy: { allow: ['10.0.0.0/99'] } })
    expect(report.problems).toEqual([expect.stringMatching(/^the address policy is invalid: addressPolicy.allow\[0\]/)])
  })
})
