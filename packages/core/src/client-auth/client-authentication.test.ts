import { generateKeyPairSync } from 'node:crypto'
import { inspect } from 'node:util'
import { decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
import { redactForAudit } from '../organization/redact-for-audit.ts'
import { clientAuthenticationFor, defineClientAuthentication, usesMutualTls, type ClientAuthentication } from './index.ts'

const defined = (input: unknown): ClientAuthentication => {
  const result = defineClientAuthentication(input, 'introspection.clientAuthentication')
  if (!result.ok) throw new Error(JSON.stringify(result.error))
  return result.value
}
const issuesOf = (input: unknown): { path: string; message: string }[] => {
  const result = defineClientAuthentication(input, 'introspection.clientAuthentication')
  if (result.ok) throw new Error('expected issues')
  return result.error
}

const context = { clientId: 'tokenward-rs', issuer: 'https://as.example', endpoint: 'https://as.example/oauth2/introspect', now: 1_800_000_000_000 }
const basicHalves = (header: string): [string, string] => {
  const decoded = atob(header.replace(/^Basic /, ''))
  const i = decoded.indexOf(':')
  return [decoded.slice(0, i), decoded.slice(i + 1)]
}

describe('client_secret_basic: RFC 6749 §2.3.1 form-urlencodes both halves before base64', () => {
  it.each([
    ['plain', 'client', 'secret', 'client', 'secret'],
    ['a colon in the id and the secret', 'urn:client:1', 'a:b', 'urn%3Aclient%3A1', 'a%3Ab'],
    ['a percent sign', 'id%41', '100%', 'id%2541', '100%25'],
    ['spaces become +', 'my client', 's p', 'my+client', 's+p'],
    ['plus and ampersand are escaped', 'a+b&c', '=x', 'a%2Bb%26c', '%3Dx'],
    ['non-ASCII as UTF-8 percent-escapes', 'clïent', 'sécret', 'cl%C3%AFent', 's%C3%A9cret'],
  ])('%s', async (_name, clientId, clientSecret, id, secret) => {
    const parts = await clientAuthenticationFor(defined({ method: 'client_secret_basic', clientSecret }), { ...context, clientId })
    expect(parts.form).toEqual({})
    expect(basicHalves(parts.headers.authorization!)).toEqual([id, secret])
    // A server decoding per the RFC gets the originals back.
    expect(basicHalves(parts.headers.authorization!).map((half) => new URLSearchParams(`v=${half}`).get('v'))).toEqual([clientId, clientSecret])
  })
})

describe('client_secret_post and the TLS methods', () => {
  it('client_secret_post puts id and secret in the form, no header', async () => {
    expect(await clientAuthenticationFor(defined({ method: 'client_secret_post', clientSecret: 'a:b c' }), context)).toEqual({
      headers: {},
      form: { client_id: 'tokenward-rs', client_secret: 'a:b c' },
    })
  })

  it('tls_client_auth sends client_id and hands the certificate and key to the TLS layer', async () => {
    const ca = createTestCertificateAuthority()
    const leaf = ca.issueClient('rs')
    for (const method of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
      const auth = defined({ method, certificate: leaf.certificatePem, privateKey: leaf.privateKeyPem })
      expect(usesMutualTls(auth)).toBe(true)
      expect(await clientAuthenticationFor(auth, context)).toEqual({
        headers: {},
        form: { client_id: 'tokenward-rs' },
        tls: { certificate: leaf.certificatePem, privateKey: leaf.privateKeyPem },
      })
    }
  })

  it('sends credentials only over https (plain http to loopback only)', async () => {
    const auth = defined({ method: 'client_secret_post', clientSecret: 'x' })
    for (const endpoint of ['http://as.example/introspect', 'http://10.0.0.8/introspect', 'ftp://as.example/x']) {
      await expect(clientAuthenticationFor(auth, { ...context, endpoint })).rejects.toMatchObject({ _tag: 'ClientAuthenticationFailure', code: 'client_authentication_failed' })
    }
    for (const endpoint of ['http://127.0.0.1:8080/introspect', 'http://localhost/introspect', new URL('https://as.example/introspect')]) {
      expect((await clientAuthenticationFor(auth, { ...context, endpoint })).form.client_secret).toBe('x')
    }
  })

  it('uses a store\'s copy (structuredClone, JSON) like the original, and refuses an invalid object', async () => {
    const auth = defined({ method: 'client_secret_post', clientSecret: 'x' })
    for (const copy of [structuredClone({ ...auth }), JSON.parse(JSON.stringify(auth)) as ClientAuthentication]) {
      expect(await clientAuthenticationFor(copy, context)).toEqual(await clientAuthenticationFor(auth, context))
    }
    const forged = { method: 'client_secret_post', clientSecret: '' } as ClientAuthentication
    await expect(clientAuthenticationFor(forged, context)).rejects.toThrow(TypeError)
  })
})

describe('private_key_jwt: assertions verified with jose', () => {
  const cases: [string, string, { modulusLength?: number; crv?: string }][] = [
    ['RS256', 'RS256', {}],
    ['PS384', 'PS384', {}],
    ['ES256', 'ES256', {}],
    ['ES384', 'ES384', {}],
    ['ES512', 'ES512', {}],
    ['EdDSA', 'EdDSA', { crv: 'Ed25519' }],
  ]
  it.each(cases)('%s from a JWK and from a PKCS#8 PEM', async (_name, alg, options) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options })
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'k1' }
    const pem = await exportPKCS8(privateKey)
    for (const key of [jwk, pem]) {
      const auth = defined({ method: 'private_key_jwt', privateKey: key, ...(alg.startsWith('PS') ? { algorithm: alg } : {}) })
      expect(auth).toMatchObject({ algorithm: alg })
      const parts = await clientAuthenticationFor(auth, context)
      expect(parts.headers).toEqual({})
      expect(parts.form.client_id).toBe('tokenward-rs')
      expect(parts.form.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      const assertion = parts.form.client_assertion!
      const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
        issuer: 'tokenward-rs',
        subject: 'tokenward-rs',
        audience: 'https://as.example',
        currentDate: new Date(context.now),
        algorithms: [alg],
      })
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', ...(typeof key === 'string' ? {} : { kid: 'k1' }) })
      expect(payload.iat).toBe(context.now / 1000)
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60)
      expect(payload.exp! - payload.iat!).toBeGreaterThan(0)
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{24}$/)
    }
  })

  it('every assertion has its own jti; the audience follows assertionAudience', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(privateKey)
    const audOf = async (assertionAudience?: string): Promise<unknown> => {
      const auth = defined({ method: 'private_key_jwt', privateKey: jwk, ...(assertionAudience !== undefined ? { assertionAudience } : {}) })
      const parts = await clientAuthenticationFor(auth, context)
      return JSON.parse(atob(parts.form.client_assertion!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')))
    }
    const jtis = new Set<unknown>()
    for (let i = 0; i < 20; i += 1) jtis.add(((await audOf()) as { jti: string }).jti)
    expect(jtis.size).toBe(20)
    expect(await audOf()).toMatchObject({ aud: 'https://as.example' })
    expect(await audOf('issuer')).toMatchObject({ aud: 'https://as.example' })
    expect(await audOf('token_endpoint')).toMatchObject({ aud: 'https://as.example/oauth2/introspect' })
    expect(await audOf('https://as.example/token')).toMatchObject({ aud: 'https://as.example/token' })
  })

  it('falls back to the context audience when the named one is missing, and refuses without any', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const auth = defined({ method: 'private_key_jwt', privateKey: await exportJWK(privateKey) })
    const parts = await clientAuthenticationFor(auth, { clientId: 'c', audience: 'https://as.example/introspect', now: context.now })
    expect(JSON.parse(atob(parts.form.client_assertion!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')))).toMatchObject({ aud: 'https://as.example/introspect' })
    await expect(clientAuthenticationFor(auth, { clientId: 'c', now: context.now })).rejects.toMatchObject({ _tag: 'ClientAuthenticationFailure' })
  })

  it("uses the JWK's own alg when no algorithm is given, and the explicit one over it", async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true })
    const jwk = { ...(await exportJWK(privateKey)), alg: 'PS256' }
    const fromJwk = await clientAuthenticationFor(defined({ method: 'private_key_jwt', privateKey: jwk }), context)
    expect(decodeProtectedHeader(fromJwk.form.client_assertion!).alg).toBe('PS256')
    await jwtVerify(fromJwk.form.client_assertion!, publicKey, { currentDate: new Date(context.now) })
    const explicit = await clientAuthenticationFor(defined({ method: 'private_key_jwt', privateKey: jwk, algorithm: 'RS512' }), context)
    expect(decodeProtectedHeader(explicit.form.client_assertion!).alg).toBe('RS512')
    await jwtVerify(explicit.form.client_assertion!, await importJWK({ ...(await exportJWK(publicKey)), alg: 'RS512' }, 'RS512'), { currentDate: new Date(context.now) })
  })
})

describe('defineClientAuthentication: checked when built, every bad field by path, no secret in any message', () => {
  const secret = 'TOP-SECRET-VALUE'
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  const pkcs1 = rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
  const p256Jwk = p256.privateKey.export({ format: 'jwk' })
  const p = 'introspection.clientAuthentication'

  it.each<[string, unknown, { path: string; message: RegExp }[]]>([
    ['not an object', 'client_secret_basic', [{ path: p, message: /must be an object/ }]],
    ['an unknown method', { method: 'client_secret_jwt', clientSecret: secret }, [{ path: `${p}.method`, message: /must be one of/ }]],
    ['an empty secret', { method: 'client_secret_basic', clientSecret: '' }, [{ path: `${p}.clientSecret`, message: /non-empty/ }]],
    ['an audit record read back (its secret redacted)', redactForAudit(defined({ method: 'client_secret_post', clientSecret: secret })), [{ path: `${p}.clientSecret`, message: /placeholder/ }]],
    ['a secret beside a private key', { method: 'private_key_jwt', privateKey: p256Jwk, clientSecret: secret }, [{ path: `${p}.clientSecret`, message: /not a member of the private_key_jwt/ }]],
    ['a public JWK', { method: 'private_key_jwt', privateKey: p256.publicKey.export({ format: 'jwk' }) }, [{ path: `${p}.privateKey`, message: /with "d"/ }]],
    ['RSA below 2048 bits', { method: 'private_key_jwt', privateKey: rsa1024.privateKey.export({ format: 'jwk' }) }, [{ path: `${p}.privateKey`, message: /2048/ }]],
    ['a PKCS#1 PEM', { method: 'private_key_jwt', privateKey: pkcs1 }, [{ path: `${p}.privateKey`, message: /convert it to PKCS#8/ }]],
    ['an unsupported curve', { method: 'private_key_jwt', privateKey: secp256k1.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, [{ path: `${p}.privateKey`, message: /curve/ }]],
    ['an algorithm that does not suit the key', { method: 'private_key_jwt', privateKey: p256Jwk, algorithm: 'RS256' }, [{ path: `${p}.algorithm`, message: /ES256/ }]],
    ['HS256 is never a choice', { method: 'private_key_jwt', privateKey: p256Jwk, algorithm: 'HS256' }, [{ path: `${p}.algorithm`, message: /one of ES256/ }]],
    ['an empty assertion audience', { method: 'private_key_jwt', privateKey: p256Jwk, assertionAudience: ' ' }, [{ path: `${p}.assertionAudience`, message: /issuer/ }]],
    ['TLS without PEMs', { method: 'tls_client_auth', certificate: secret, privateKey: secret }, [
      { path: `${p}.certificate`, message: /PEM/ },
      { path: `${p}.privateKey`, message: /PEM/ },
    ]],
  ])('%s', (_name, input, expected) => {
    const issues = issuesOf(input)
    expect(issues).toHaveLength(expected.length)
    expected.forEach((e, i) => {
      expect(issues[i]!.path).toBe(e.path)
      expect(issues[i]!.message).toMatch(e.message)
    })
    expect(JSON.stringify(issues)).not.toContain(secret)
    expect(JSON.stringify(issues)).not.toContain((p256Jwk as { d: string }).d)
  })

  it('accepts its own result and a store\'s copy of it again (a defined config checked twice)', async () => {
    const auth = defined({ method: 'client_secret_basic', clientSecret: secret })
    expect(defineClientAuthentication(auth, p)).toEqual({ ok: true, value: auth })
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwt = defined({ method: 'private_key_jwt', privateKey: { ...(await exportJWK(privateKey)), kid: 'k9' }, assertionAudience: 'token_endpoint' })
    const copy = structuredClone({ ...jwt })
    expect(defineClientAuthentication(copy, p)).toMatchObject({ ok: true, value: copy })
    const parts = await clientAuthenticationFor(copy, context)
    expect(decodeProtectedHeader(parts.form.client_assertion!)).toMatchObject({ alg: 'ES256', kid: 'k9' })
  })

  it('shows no secret in String(), util.inspect or an audit record, and none in any issue', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = privateKey.export({ format: 'jwk' }) as { d: string }
    for (const auth of [
      defined({ method: 'client_secret_basic', clientSecret: secret }),
      defined({ method: 'client_secret_post', clientSecret: secret }),
      defined({ method: 'private_key_jwt', privateKey: jwk }),
    ]) {
      for (const view of [String(auth), `${auth}`, inspect(auth, { depth: 9 }), JSON.stringify(redactForAudit(auth))]) {
        expect(view).not.toContain(secret)
        expect(view).not.toContain(jwk.d)
      }
    }
  })
})
