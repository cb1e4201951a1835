/**
 * One contract, run on every SignatureProvider: the same signatures must get the same verdicts
 * from WebCrypto and from node:crypto.
 */
import { constants, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { CompactSign, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { nodeSignatureProvider } from './node-signature.ts'
import { supportedAlgorithms, type Jwk, type SignatureProvider, type SupportedAlgorithm, type VerificationKey } from './types.ts'
import { webSignatureProvider } from './web-signature.ts'

const encoder = new TextEncoder()
const fromB64u = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'))

interface Fixture {
  readonly alg: SupportedAlgorithm
  readonly publicJwk: Jwk
  readonly privateJwk: Jwk
  readonly privateKey: KeyObject
  /** The JWS signing input (`header.payload`) and its signature. */
  readonly data: Uint8Array
  readonly signature: Uint8Array
  /** A valid signature of `data` by another key of the same algorithm. */
  readonly otherKeySignature: Uint8Array
}

async function signCompact(alg: SupportedAlgorithm, key: CryptoKey, payload: string): Promise<{ data: Uint8Array; signature: Uint8Array }> {
  const jws = await new CompactSign(encoder.encode(payload)).setProtectedHeader({ alg, kid: 'k1' }).sign(key)
  const [header = '', body = '', signature = ''] = jws.split('.')
  return { data: encoder.encode(`${header}.${body}`), signature: fromB64u(signature) }
}

const fixtures: readonly Fixture[] = await Promise.all(
  supportedAlgorithms.map(async (alg): Promise<Fixture> => {
    const [pair, other] = await Promise.all([
      generateKeyPair(alg, { extractable: true }),
      generateKeyPair(alg, { extractable: true }),
    ])
    const payload = JSON.stringify({ iss: 'https://issuer.example', sub: 'user-1', exp: 2_000_000_000 })
    const { data, signature } = await signCompact(alg, pair.privateKey, payload)
    const otherSigned = await signCompact(alg, other.privateKey, payload)
    const privateJwk = (await exportJWK(pair.privateKey)) as Jwk
    return {
      alg,
      publicJwk: (await exportJWK(pair.publicKey)) as Jwk,
      privateJwk,
      privateKey: createPrivateKey({ key: { ...privateJwk }, format: 'jwk' }),
      data,
      signature,
      // Same signing input: only the key differs.
      otherKeySignature: otherSigned.data.every((b, i) => b === data[i]) ? otherSigned.signature : new Uint8Array(),
    }
  }),
)
const fixture = (alg: SupportedAlgorithm): Fixture => fixtures.find((f) => f.alg === alg) as Fixture
const flipBit = (bytes: Uint8Array, index: number, bit = 0): Uint8Array => {
  const copy = bytes.slice()
  copy[index] = (copy[index] ?? 0) ^ (1 << bit)
  return copy
}
const hashOf = (alg: SupportedAlgorithm): string | null => (alg === 'EdDSA' ? null : `sha${alg.slice(2)}`)

/** Signs until the signature starts with a zero byte (1 in 256 signatures do). */
function signatureWithLeadingZero(f: Fixture, options: { padding: number; saltLength?: number }): { data: Uint8Array; signature: Uint8Array } {
  for (let i = 0; i < 5000; i++) {
    const data = encoder.encode(`eyJhbGciOiJSUzI1NiJ9.${i}`)
    const signature = new Uint8Array(sign(hashOf(f.alg), data, { key: f.privateKey, ...options }))
    if (signature[0] === 0) return { data, signature }
  }
  throw new Error('no signature with a leading zero byte in 5000 tries')
}

const providers: readonly SignatureProvider[] = [webSignatureProvider, nodeSignatureProvider]

describe.each(providers)('$name signature provider', (provider) => {
  const other = providers.find((p) => p !== provider) as SignatureProvider
  const verify = async (key: VerificationKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> =>
    await provider.verify(key, data, signature)

  describe.each(fixtures)('$alg', (f) => {
    let key: VerificationKey
    beforeAll(async () => {
      key = await provider.importKey(f.publicJwk, f.alg)
    })

    it('accepts a valid signature', async () => {
      expect(key.alg).toBe(f.alg)
      expect(await verify(key, f.data, f.signature)).toBe(true)
    })

    it('rejects data with one flipped bit (first, middle and last byte)', async () => {
      for (const index of [0, Math.floor(f.data.length / 2), f.data.length - 1]) {
        expect(await verify(key, flipBit(f.data, index, 3), f.signature)).toBe(false)
      }
    })

    it('rejects a signature with one flipped bit (first, middle and last byte)', async () => {
      for (const index of [0, Math.floor(f.signature.length / 2), f.signature.length - 1]) {
        expect(await verify(key, f.data, flipBit(f.signature, index, 5))).toBe(false)
      }
    })

    it('rejects a signature made by another key of the same algorithm', async () => {
      expect(f.otherKeySignature.length).toBe(f.signature.length)
      expect(await verify(key, f.data, f.otherKeySignature)).toBe(false)
    })

    it('rejects truncated, extended, empty and oversized signatures without throwing', async () => {
      for (const signature of [
        f.signature.subarray(0, f.signature.length - 1),
        f.signature.subarray(1),
        f.signature.subarray(0, Math.floor(f.signature.length / 2)),
        Uint8Array.of(...f.signature, 0),
        Uint8Array.of(0, ...f.signature),
        new Uint8Array(0),
        new Uint8Array(f.signature.length * 2),
        new Uint8Array(1 << 16).fill(0xff),
      ]) {
        expect(await verify(key, f.data, signature)).toBe(false)
      }
    })

    it('rejects an all-zero and an all-ones signature of the right length', async () => {
      expect(await verify(key, f.data, new Uint8Array(f.signature.length))).toBe(false)
      expect(await verify(key, f.data, new Uint8Array(f.signature.length).fill(0xff))).toBe(false)
    })

    it('never throws for arbitrary signature bytes (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ minLength: 0, maxLength: 600 }),
            fc.uint8Array({ minLength: f.signature.length, maxLength: f.signature.length }),
          ),
          async (signature) => {
            expect(await verify(key, f.data, signature)).toBe(false)
          },
        ),
        { numRuns: 30 },
      )
    })

    it('accepts empty data only with its own signature', async () => {
      const signature = new Uint8Array(sign(hashOf(f.alg), new Uint8Array(), {
        key: f.privateKey,
        dsaEncoding: 'ieee-p1363',
        ...(f.alg.startsWith('PS') ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(f.alg.slice(2)) / 8 } : {}),
      }))
      expect(await verify(key, new Uint8Array(), signature)).toBe(true)
      expect(await verify(key, new Uint8Array(), f.signature)).toBe(false)
    })

    it('imports a private JWK as its public key (private members are ignored)', async () => {
      const fromPrivate = await provider.importKey({ ...f.privateJwk, kid: 'k1' }, f.alg)
      expect(await verify(fromPrivate, f.data, f.signature)).toBe(true)
    })

    it('ignores alg, use, key_ops and ext members WebCrypto would refuse', async () => {
      const decorated = await provider.importKey({ ...f.publicJwk, alg: f.alg, use: 'sig', key_ops: ['sign', 'verify'], ext: false }, f.alg)
      expect(await verify(decorated, f.data, f.signature)).toBe(true)
    })

    it('refuses a key imported by the other provider (programming error, not a verdict)', async () => {
      const foreign = await other.importKey(f.publicJwk, f.alg)
      await expect(async () => await provider.verify(foreign, f.data, f.signature)).rejects.toThrow(TypeError)
    })
  })

  describe.each(['ES256', 'ES384', 'ES512'] as const)('%s DER signature', (alg) => {
    it('rejects a valid signature in DER instead of raw r || s', async () => {
      const f = fixture(alg)
      const key = await provider.importKey(f.publicJwk, alg)
      const der = new Uint8Array(sign(hashOf(alg), f.data, { key: f.privateKey, dsaEncoding: 'der' }))
      const raw = new Uint8Array(sign(hashOf(alg), f.data, { key: f.privateKey, dsaEncoding: 'ieee-p1363' }))
      expect(der[0]).toBe(0x30)
      expect(await verify(key, f.data, raw)).toBe(true)
      expect(await verify(key, f.data, der)).toBe(false)
    })
  })

  describe('RSA-PSS salt length', () => {
    it.each([
      ['PS256', 32, true],
      ['PS256', 20, false],
      ['PS256', 0, false],
      ['PS256', 64, false],
      ['PS256', 'max', false],
      ['PS384', 48, true],
      ['PS384', 32, false],
      ['PS512', 64, true],
      ['PS512', 32, false],
    ] as const)('%s with a %s-byte salt → %s', async (alg, salt, valid) => {
      const saltLength = salt === 'max' ? constants.RSA_PSS_SALTLEN_MAX_SIGN : salt
      const f = fixture(alg)
      const key = await provider.importKey(f.publicJwk, alg)
      const signature = sign(hashOf(alg), f.data, { key: f.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength })
      expect(await verify(key, f.data, signature)).toBe(valid)
    })
  })

  describe('algorithm confusion within one RSA key', () => {
    it.each([
      ['RS256', 'PS256'],
      ['PS256', 'RS256'],
      ['RS256', 'RS384'],
      ['RS512', 'RS256'],
      ['PS256', 'PS384'],
    ] as const)('a %s signature checked as %s is rejected', async (signedAs, checkedAs) => {
      const f = fixture(signedAs)
      const key = await provider.importKey(f.publicJwk, checkedAs)
      expect(await verify(key, f.data, f.signature)).toBe(false)
    })
  })

  describe('RSA signature length must equal the modulus length', () => {
    it.each([
      ['RS256', { padding: constants.RSA_PKCS1_PADDING }],
      ['PS256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ] as const)('%s: a valid signature with its leading zero byte stripped is rejected', async (alg, options) => {
      const f = fixture(alg)
      const key = await provider.importKey(f.publicJwk, alg)
      const { data, signature } = signatureWithLeadingZero(f, options)
      expect(await verify(key, data, signature)).toBe(true)
      expect(await verify(key, data, signature.subarray(1))).toBe(false)
    })
  })

  describe('importKey rejects keys that cannot verify the algorithm', () => {
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Jwk
    const p256 = () => fixture('ES256').publicJwk
    const offCurve = (): Jwk => {
      const { x } = fixture('ES256').publicJwk as { x: string }
      return { kty: 'EC', crv: 'P-256', x, y: x }
    }
    it.each<[string, () => Jwk, SupportedAlgorithm]>([
      ['an EC key for RS256', p256, 'RS256'],
      ['an EC key for PS256', p256, 'PS256'],
      ['an RSA key for ES256', () => fixture('RS256').publicJwk, 'ES256'],
      ['an RSA key for EdDSA', () => fixture('RS256').publicJwk, 'EdDSA'],
      ['an Ed25519 key for ES256', () => fixture('EdDSA').publicJwk, 'ES256'],
      ['a P-256 key for ES384', p256, 'ES384'],
      ['a P-384 key for ES256', () => fixture('ES384').publicJwk, 'ES256'],
      ['a P-521 key for ES384', () => fixture('ES512').publicJwk, 'ES384'],
      ['an RSA key whose alg is RS256, for PS256', () => ({ ...fixture('RS256').publicJwk, alg: 'RS256' }), 'PS256'],
      ['an RSA encryption key', () => ({ ...fixture('RS256').publicJwk, use: 'enc' }), 'RS256'],
      ['a 1024-bit RSA key', () => rsa1024, 'RS256'],
      ['a symmetric key', () => ({ kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0' }), 'RS256'],
      ['an EC point that is not on the curve', offCurve, 'ES256'],
    ])('%s', async (_name, jwk, alg) => {
      await expect(provider.importKey({ ...jwk(), kid: 'k1' }, alg)).rejects.toMatchObject({
        _tag: 'KeyError',
        code: 'invalid_key',
        kid: 'k1',
        expected: alg,
      })
    })
  })
})

describe('provider shapes', () => {
  it('node verifies synchronously (a plain boolean), web asynchronously', async () => {
    const f = fixture('ES256')
    const nodeKey = await nodeSignatureProvider.importKey(f.publicJwk, 'ES256')
    const webKey = await webSignatureProvider.importKey(f.publicJwk, 'ES256')
    expect(nodeSignatureProvider.verify(nodeKey, f.data, f.signature)).toBe(true)
    const pending = webSignatureProvider.verify(webKey, f.data, f.signature)
    expect(pending).toBeInstanceOf(Promise)
    expect(await pending).toBe(true)
  })
})
