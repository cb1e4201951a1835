/**
 * How tokenward authenticates itself to an authorization server (introspection, token endpoint):
 * the five OAuth client authentication methods, checked when built, holding their secrets where
 * no error, `toJSON`, event or `String()` can reach them.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'
import { algorithmsFor, type ClientAssertionAlgorithm, decodePem, type KeyKind, pkcs8KeyKind } from './private-key.ts'

/**
 * The OAuth client authentication methods (RFC 6749 §2.3.1, RFC 7523, RFC 8705).
 *
 * @example
 * ```ts
 * const method: ClientAuthenticationMethod = 'private_key_jwt'
 * ```
 */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth'

/**
 * The `aud` of a `private_key_jwt` assertion: the authorization server's `issuer` (the default,
 * as RFC 7523bis recommends), the endpoint being called (`token_endpoint`, as older servers
 * expect), or an exact string.
 *
 * @example
 * ```ts
 * defineClientAuthentication({ method: 'private_key_jwt', privateKey: jwk, assertionAudience: 'token_endpoint' }, 'clientAuthentication')
 * ```
 */
export type AssertionAudience = 'issuer' | 'token_endpoint' | (string & {})

/**
 * A checked client authentication, built by {@link defineClientAuthentication}: plain, frozen,
 * JSON-compatible data, because it is part of an authorization server's configuration, which the
 * organization stores copy (`structuredClone`) and persist (JSON) — a copy is accepted again by
 * {@link defineClientAuthentication} and by {@link clientAuthenticationFor}. It holds the secret, so
 * it is never put in errors or events; audit records redact `clientSecret` and `privateKey` by
 * name (`redactForAudit`). The object as built answers `String()` and `util.inspect` without the
 * secret (a copy is plain data).
 *
 * @example
 * ```ts
 * const auth = defineClientAuthentication({ method: 'client_secret_basic', clientSecret: 's3cr3t' }, 'introspection.clientAuthentication')
 * if (auth.ok) String(auth.value) // 'ClientAuthentication(client_secret_basic)'
 * ```
 */
export type ClientAuthentication =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientSecret: string }
  | {
      readonly method: 'private_key_jwt'
      /** The private JWK (signing members and `kid` only) or the PKCS#8 PEM, as given. */
      readonly privateKey: Readonly<Record<string, string>> | string
      /** The signing algorithm (given, the JWK's `alg`, or the key's default). */
      readonly algorithm: ClientAssertionAlgorithm
      readonly assertionAudience: AssertionAudience
    }
  | { readonly method: 'tls_client_auth' | 'self_signed_tls_client_auth'; readonly certificate: string; readonly privateKey: string }

/** The secret half of a {@link ClientAuthentication}, ready to use (module-internal). */
export type ClientSecretMaterial =
  | { readonly kind: 'secret'; readonly clientSecret: string }
  | { readonly kind: 'assertion'; readonly key: JsonWebKey | Uint8Array; readonly keyKind: KeyKind; readonly kid: string | undefined; imported?: Promise<CryptoKey> | undefined }
  | { readonly kind: 'tls'; readonly certificate: string; readonly privateKey: string }

/** Objects this module built or re-checked, with their material (an imported key is kept per object). */
const checked = new WeakMap<object, ClientSecretMaterial>()

/**
 * The material of a {@link ClientAuthentication}: the one recorded when it was built, or — for a
 * copy made by a store — checked again now. `undefined` when the object is not a valid one.
 */
export const secretMaterialOf = (auth: ClientAuthentication): ClientSecretMaterial | undefined => {
  if (typeof auth !== 'object' || auth === null) return undefined
  const known = checked.get(auth)
  if (known !== undefined) return known
  const again = defineClientAuthentication(auth, '')
  if (!again.ok) return undefined
  const material = checked.get(again.value)
  if (material !== undefined) checked.set(auth, material)
  return material
}

/**
 * True for the two TLS methods: the client certificate authenticates, and the
 * `mtls_endpoint_aliases` endpoints apply (RFC 8705 §5).
 *
 * @example
 * ```ts
 * discoveredEndpoint(metadata, 'introspection_endpoint', usesMutualTls(auth))
 * ```
 */
export function usesMutualTls(auth: ClientAuthentication): boolean {
  return auth.method === 'tls_client_auth' || auth.method === 'self_signed_tls_client_auth'
}

const redacted = '[redacted]'
const inspectSymbols = [Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')]

const methods: readonly ClientAuthenticationMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']
const members: Readonly<Record<ClientAuthenticationMethod, readonly string[]>> = {
  client_secret_basic: ['method', 'clientSecret'],
  client_secret_post: ['method', 'clientSecret'],
  private_key_jwt: ['method', 'privateKey', 'algorithm', 'assertionAudience'],
  tls_client_auth: ['method', 'certificate', 'privateKey'],
  self_signed_tls_client_auth: ['method', 'certificate', 'privateKey'],
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const pemCertificates = /^\s*(?:-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END CERTIFICATE-----\s*)+$/
const anyPrivateKeyPem = /^\s*-----BEGIN (?:RSA |EC )?PRIVATE KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END (?:RSA |EC )?PRIVATE KEY-----\s*$/

const jwkKeyKind = (jwk: Record<string, unknown>): KeyKind | string => {
  const present = (name: string): boolean => typeof jwk[name] === 'string' && (jwk[name] as string) !== ''
  if (!present('d')) return 'must be a private JWK (with "d"); a public key cannot sign'
  if (jwk.kty === 'RSA') {
    if (!present('n') || !present('e')) return 'must be an RSA private JWK with "n", "e" and "d"'
    // base64url: 4 characters carry 3 bytes. RFC 7518 §3.3: at least 2048 bits.
    if (Math.floor(((jwk.n as string).length * 3) / 4) * 8 < 2048) return 'must be an RSA key of at least 2048 bits'
    return { kty: 'RSA' }
  }
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256' && jwk.crv !== 'P-384' && jwk.crv !== 'P-521') return 'must be an EC key on P-256, P-384 or P-521'
    if (!present('x') || !present('y')) return 'must be an EC private JWK with "x", "y" and "d"'
    return { kty: 'EC', crv: jwk.crv }
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') return 'must be an OKP key on Ed25519'
    if (!present('x')) return 'must be an OKP private JWK with "x" and "d"'
    return { kty: 'OKP', crv: 'Ed25519' }
  }
  return 'must be an RSA, EC or OKP (Ed25519) private JWK'
}

const signingJwkMembers = ['kty', 'crv', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'x', 'y'] as const

const isBuilt = (input: unknown): boolean => typeof input === 'object' && input !== null && checked.has(input) && Object.isFrozen(input)

const describe = (auth: ClientAuthentication): string => `ClientAuthentication(${auth.method})`

/** The object as built: frozen, with non-enumerable `toString` and inspect hooks that show no secret. */
const sealed = <T extends ClientAuthentication>(auth: T): T => {
  Object.defineProperty(auth, 'toString', { value: () => describe(auth), enumerable: false })
  for (const symbol of inspectSymbols) Object.defineProperty(auth, symbol, { value: () => describe(auth), enumerable: false })
  return Object.freeze(auth)
}

/**
 * Checks a client authentication section (JSON-compatible) and builds the {@link ClientAuthentication}
 * tokenward uses when it calls an authorization server:
 *
 * - `{ method: 'client_secret_basic' | 'client_secret_post', clientSecret }`
 * - `{ method: 'private_key_jwt', privateKey, algorithm?, assertionAudience? }`: `privateKey` is a
 *   private JWK (RSA ≥ 2048 bits, EC P-256/384/521, Ed25519) or a PKCS#8 PEM
 *   (`-----BEGIN PRIVATE KEY-----`); `algorithm` defaults to the key's (`RS256` for RSA, `ES256`/`384`/`512`
 *   by curve, `EdDSA`) and must suit the key; `assertionAudience` is `'issuer'` (default),
 *   `'token_endpoint'` or an exact string.
 * - `{ method: 'tls_client_auth' | 'self_signed_tls_client_auth', certificate, privateKey }`, both PEM.
 *
 * Every problem is reported with its path (`${path}.clientSecret`, …), and no message ever contains
 * a secret or key. A {@link ClientAuthentication} is a valid input again (so a defined
 * configuration, or a store's copy of it, can be checked again); the redaction placeholder
 * `"[redacted]"` is refused as a secret. Members that do not belong to the method are refused (a secret in the wrong
 * place is a mistake worth hearing about).
 *
 * @example
 * ```ts
 * const r = defineClientAuthentication({ method: 'private_key_jwt', privateKey: jwk, assertionAudience: 'token_endpoint' }, 'introspection.clientAuthentication')
 * if (!r.ok) throw new ConfigError(r.error)
 * ```
 */
export function defineClientAuthentication(input: unknown, path: string): Result<ClientAuthentication, ConfigIssue[]> {
  const issues: ConfigIssue[] = []
  const at = (member: string): string => (path === '' ? member : `${path}.${member}`)
  const issue = (member: string, message: string): void => void issues.push({ path: at(member), message })
  // Already built (a defined config checked again, e.g. by an organization write): the same object.
  if (isBuilt(input)) return ok(input as ClientAuthentication)
  if (!isRecord(input)) return err([{ path, message: `must be an object with a "method" (${methods.join(', ')})` }])
  const method = input.method
  if (typeof method !== 'string' || !(methods as readonly string[]).includes(method)) {
    return err([{ path: at('method'), message: `must be one of ${methods.join(', ')}` }])
  }
  const m = method as ClientAuthenticationMethod
  for (const name of Object.keys(input)) {
    if (!members[m].includes(name)) issue(name, `is not a member of the ${m} method (members: ${members[m].join(', ')})`)
  }

  let material: ClientSecretMaterial | undefined
  let algorithm: ClientAssertionAlgorithm | undefined
  let assertionAudience: AssertionAudience | undefined
  let privateKeyAsGiven: Readonly<Record<string, string>> | string | undefined
  switch (m) {
    case 'client_secret_basic':
    case 'client_secret_post': {
      const secret = input.clientSecret
      if (typeof secret !== 'string' || secret === '') issue('clientSecret', 'must be a non-empty string')
      else if (secret === redacted) {
        // A configuration written out with JSON.stringify carries the placeholder, not the secret.
        issue('clientSecret', `is the placeholder "${redacted}": this copy of the configuration was serialized without its secret; give the secret itself`)
      }
      else material = { kind: 'secret', clientSecret: secret }
      break
    }
    case 'private_key_jwt': {
      const key = input.privateKey
      let kind: KeyKind | string
      let stored: JsonWebKey | Uint8Array | undefined
      let kid: string | undefined
      let keptJwk: Readonly<Record<string, string>> | undefined
      if (typeof key === 'string') {
        const der = decodePem(key, 'PRIVATE KEY')
        kind = typeof der === 'string' ? der : pkcs8KeyKind(der)
        if (typeof der !== 'string') stored = der
      } else if (isRecord(key)) {
        kind = jwkKeyKind(key)
        const jwk: Record<string, unknown> = {}
        for (const name of signingJwkMembers) if (key[name] !== undefined) jwk[name] = key[name]
        stored = jwk as JsonWebKey
        kid = typeof key.kid === 'string' && key.kid !== '' ? key.kid : undefined
        keptJwk = Object.freeze({ ...(jwk as Record<string, string>), ...(kid !== undefined ? { kid } : {}) })
      } else {
        kind = 'must be a private JWK (object) or a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)'
      }
      if (typeof kind === 'string') {
        issue('privateKey', kind)
        break
      }
      const allowed = algorithmsFor(kind)
      // An explicit algorithm wins; otherwise the JWK's own `alg`, otherwise the key's default.
      const given = input.algorithm ?? (isRecord(key) ? key.alg : undefined)
      if (given === undefined) algorithm = allowed[0]
      else if (typeof given === 'string' && (allowed as readonly string[]).includes(given)) algorithm = given as ClientAssertionAlgorithm
      else issue('algorithm', `must suit the ${kind.kty}${'crv' in kind ? ` ${kind.crv}` : ''} key: one of ${allowed.join(', ')}`)
      const audience = input.assertionAudience
      if (audience === undefined) assertionAudience = 'issuer'
      else if (typeof audience === 'string' && audience.trim() !== '' && audience.trim() === audience) assertionAudience = audience
      else issue('assertionAudience', "must be 'issuer', 'token_endpoint' or an exact audience string")
      if (stored !== undefined) material = { kind: 'assertion', key: stored, keyKind: kind, kid }
      privateKeyAsGiven = typeof key === 'string' ? key : keptJwk
      break
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth': {
      const { certificate, privateKey } = input
      if (typeof certificate !== 'string' || !pemCertificates.test(certificate)) {
        issue('certificate', 'must be the client certificate (chain) as PEM (-----BEGIN CERTIFICATE----- …)')
      }
      if (typeof privateKey !== 'string' || !anyPrivateKeyPem.test(privateKey)) {
        issue('privateKey', 'must be the certificate\'s unencrypted private key as PEM (-----BEGIN PRIVATE KEY----- …)')
      }
      if (typeof certificate === 'string' && typeof privateKey === 'string') material = { kind: 'tls', certificate, privateKey }
      break
    }
  }
  if (issues.length > 0 || material === undefined) return err(issues)
  let auth: ClientAuthentication
  if (material.kind === 'secret') auth = { method: m as 'client_secret_basic' | 'client_secret_post', clientSecret: material.clientSecret }
  else if (material.kind === 'tls') auth = { method: m as 'tls_client_auth' | 'self_signed_tls_client_auth', certificate: material.certificate, privateKey: material.privateKey }
  else {
    auth = {
      method: 'private_key_jwt',
      privateKey: privateKeyAsGiven as Readonly<Record<string, string>> | string,
      algorithm: algorithm as ClientAssertionAlgorithm,
      assertionAudience: assertionAudience as AssertionAudience,
    }
  }
  const built = sealed(auth)
  checked.set(built, material)
  return ok(built)
}
