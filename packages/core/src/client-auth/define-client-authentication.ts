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
 * A checked client authentication, built by {@link defineClientAuthentication}. Its public members
 * describe it; the secret (client secret or private key) is held outside the object, so logging,
 * `JSON.stringify`, `String()` or spreading it never shows the secret.
 *
 * @example
 * ```ts
 * const auth = defineClientAuthentication({ method: 'client_secret_basic', clientSecret: 's3cr3t' }, 'introspection.clientAuthentication')
 * if (auth.ok) JSON.stringify(auth.value) // {"method":"client_secret_basic","clientSecret":"[redacted]"}
 * ```
 */
export interface ClientAuthentication {
  readonly _tag: 'ClientAuthentication'
  readonly method: ClientAuthenticationMethod
  /** `private_key_jwt`: the signing algorithm (given, or the key's default). */
  readonly algorithm: ClientAssertionAlgorithm | undefined
  /** `private_key_jwt`: what the assertion's `aud` is. */
  readonly assertionAudience: AssertionAudience | undefined
  /** True for the two TLS methods: the client certificate authenticates, and the `mtls_endpoint_aliases` endpoints apply (RFC 8705 §5). */
  readonly mutualTls: boolean
  /** The redacted description (`"[redacted]"` in place of every secret). */
  toJSON(): Record<string, unknown>
  toString(): string
}

/** The secret half of a {@link ClientAuthentication}; never reachable from the object. */
export type ClientSecretMaterial =
  | { readonly kind: 'secret'; readonly clientSecret: string }
  | { readonly kind: 'assertion'; readonly key: JsonWebKey | Uint8Array; readonly keyKind: KeyKind; readonly kid: string | undefined; imported?: Promise<CryptoKey> | undefined }
  | { readonly kind: 'tls'; readonly certificate: string; readonly privateKey: string }

const secrets = new WeakMap<object, ClientSecretMaterial>()

/** The secret material of an authentication built by {@link defineClientAuthentication} (module-internal). */
export const secretMaterialOf = (auth: ClientAuthentication): ClientSecretMaterial | undefined => secrets.get(auth)

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
const secretMembers = new Set(['clientSecret', 'privateKey'])

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

class DefinedClientAuthentication implements ClientAuthentication {
  readonly _tag = 'ClientAuthentication' as const
  constructor(
    readonly method: ClientAuthenticationMethod,
    readonly algorithm: ClientAssertionAlgorithm | undefined,
    readonly assertionAudience: AssertionAudience | undefined,
  ) {
    for (const symbol of inspectSymbols) Object.defineProperty(this, symbol, { value: () => this.toJSON(), enumerable: false })
    Object.freeze(this)
  }
  get mutualTls(): boolean {
    return this.method === 'tls_client_auth' || this.method === 'self_signed_tls_client_auth'
  }
  toJSON(): Record<string, unknown> {
    const shown: Record<string, unknown> = { method: this.method }
    if (this.algorithm !== undefined) shown.algorithm = this.algorithm
    if (this.assertionAudience !== undefined) shown.assertionAudience = this.assertionAudience
    for (const name of members[this.method]) if (secretMembers.has(name)) shown[name] = redacted
    if (this.mutualTls) shown.certificate = '(PEM certificate)'
    return shown
  }
  toString(): string {
    return `ClientAuthentication(${this.method})`
  }
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
 * a secret or key. A {@link ClientAuthentication} this function built is accepted as is, so a
 * defined configuration can be checked again; a copy that lost its secret (through
 * `JSON.stringify` or `structuredClone`) is refused, never used with a placeholder. Members that do not belong to the method are refused (a secret in the wrong
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
  if (typeof input === 'object' && input !== null && secrets.has(input)) return ok(input as ClientAuthentication)
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
  const auth = new DefinedClientAuthentication(m, algorithm, assertionAudience)
  secrets.set(auth, material)
  return ok(auth)
}
