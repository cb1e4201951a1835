/**
 * What a request to the authorization server carries to authenticate tokenward: an
 * `Authorization` header, form members, or a client certificate for the TLS handshake.
 *
 * @module
 */
import { isLoopbackHost } from '../config/loopback.ts'
import { encodeBase64Url } from '../jws/base64url.ts'
import { type ClientAuthentication, type ClientSecretMaterial, secretMaterialOf } from './define-client-authentication.ts'
import { type ClientAssertionAlgorithm, importParameters, signParameters } from './private-key.ts'

/**
 * The request that authentication is for: who we are, whom we call, and when.
 *
 * @example
 * ```ts
 * const context: ClientAuthenticationContext = { clientId: 'tokenward', issuer: 'https://as.example', endpoint: 'https://as.example/introspect', now: Date.now() }
 * ```
 */
export interface ClientAuthenticationContext {
  /** Our client identifier at the authorization server. */
  readonly clientId: string
  /** The authorization server's issuer identifier (the default assertion audience). */
  readonly issuer?: string | undefined
  /** The endpoint being called (introspection or token endpoint); must be `https:` (plain `http:` to loopback only). */
  readonly endpoint?: string | URL | undefined
  /**
   * Used as the assertion's `aud` when the one `assertionAudience` names (`issuer` or
   * `token_endpoint`) is not in this context.
   */
  readonly audience?: string | undefined
  /** The current time, in milliseconds since the epoch (`Date.now()`). */
  readonly now: number
}

/**
 * What to add to the request: header fields, form members, and (mutual TLS) a client certificate.
 *
 * @example
 * ```ts
 * const { headers, form, tls } = await clientAuthenticationFor(auth, context)
 * ```
 */
export interface ClientAuthenticationParts {
  readonly headers: Record<string, string>
  readonly form: Record<string, string>
  readonly tls?: { readonly certificate: string; readonly privateKey: string }
}

/**
 * A client authentication could not be produced (the private key could not be imported or used
 * by this runtime). Never carries the key or a secret.
 *
 * @example
 * ```ts
 * try { await clientAuthenticationFor(auth, context) } catch (e) { if (e instanceof ClientAuthenticationFailure) console.error(e.code) }
 * ```
 */
export class ClientAuthenticationFailure extends Error {
  readonly _tag = 'ClientAuthenticationFailure' as const
  readonly code = 'client_authentication_failed' as const
  override get name(): string {
    return 'ClientAuthenticationFailure'
  }
}

/**
 * The lifetime of a client assertion, in seconds (RFC 7523 asks for a short one).
 *
 * @example
 * ```ts
 * payload.exp - payload.iat <= clientAssertionLifetimeSeconds // true for every assertion tokenward signs
 * ```
 */
export const clientAssertionLifetimeSeconds = 60

/**
 * `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B), as RFC 6749
 * §2.3.1 requires for both halves of Basic credentials: space becomes `+`, `:` and `%` are escaped.
 */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1)

const utf8 = new TextEncoder()

const basicCredentials = (clientId: string, clientSecret: string): string => {
  const ascii = `${formEncode(clientId)}:${formEncode(clientSecret)}` // form encoding leaves only ASCII
  return `Basic ${btoa(ascii)}`
}

const signingKey = (material: Extract<ClientSecretMaterial, { kind: 'assertion' }>, alg: ClientAssertionAlgorithm): Promise<CryptoKey> =>
  (material.imported ??= (
    material.key instanceof Uint8Array
      ? crypto.subtle.importKey('pkcs8', material.key as Uint8Array<ArrayBuffer>, importParameters(alg, material.keyKind), false, ['sign'])
      : crypto.subtle.importKey('jwk', material.key, importParameters(alg, material.keyKind), false, ['sign'])
  ).catch((cause: unknown) => {
    material.imported = undefined
    throw new ClientAuthenticationFailure(`the private key for private_key_jwt could not be imported for ${alg} by this runtime`, { cause })
  }))

const randomId = (): string => encodeBase64Url(crypto.getRandomValues(new Uint8Array(18)))

/**
 * Signs a `private_key_jwt` client assertion (RFC 7523 §3): `iss` = `sub` = the client id, `aud`
 * (the issuer by default), `iat`, `exp` = `iat` + 60 s, a random `jti` (144 bits), header `typ: JWT`
 * and the key's `kid` when its JWK had one.
 */
const clientAssertion = async (
  auth: Extract<ClientAuthentication, { method: 'private_key_jwt' }>,
  material: Extract<ClientSecretMaterial, { kind: 'assertion' }>,
  context: ClientAuthenticationContext,
): Promise<string> => {
  const alg = auth.algorithm
  const audience = auth.assertionAudience
  const named = audience === 'issuer' ? context.issuer : audience === 'token_endpoint' ? (context.endpoint === undefined ? undefined : String(context.endpoint)) : audience
  const aud = named ?? context.audience
  if (aud === undefined) throw new ClientAuthenticationFailure(`the client assertion needs an audience: give the ${audience === 'issuer' ? 'issuer' : 'endpoint'} in the context`)
  const iat = Math.floor(context.now / 1000)
  const header = { alg, typ: 'JWT', ...(material.kid !== undefined ? { kid: material.kid } : {}) }
  const payload = { iss: context.clientId, sub: context.clientId, aud, iat, exp: iat + clientAssertionLifetimeSeconds, jti: randomId() }
  const input = `${encodeBase64Url(utf8.encode(JSON.stringify(header)))}.${encodeBase64Url(utf8.encode(JSON.stringify(payload)))}`
  const key = await signingKey(material, alg)
  let signature: ArrayBuffer
  try {
    signature = await crypto.subtle.sign(signParameters(alg), key, utf8.encode(input))
  } catch (cause) {
    throw new ClientAuthenticationFailure(`the client assertion could not be signed with ${alg} by this runtime`, { cause })
  }
  return `${input}.${encodeBase64Url(new Uint8Array(signature))}`
}

/**
 * The parts one request to the authorization server needs to authenticate tokenward as the
 * client `clientId`:
 *
 * - `client_secret_basic`: `authorization: Basic …` of the form-urlencoded id and secret (RFC 6749 §2.3.1);
 * - `client_secret_post`: form members `client_id` and `client_secret`;
 * - `private_key_jwt`: form members `client_id`, `client_assertion_type` and a fresh signed
 *   `client_assertion` (WebCrypto; see {@link clientAssertionLifetimeSeconds});
 * - `tls_client_auth`, `self_signed_tls_client_auth`: form member `client_id` and `tls`, the
 *   certificate and key to present in the handshake (RFC 8705).
 *
 * Rejects with {@link ClientAuthenticationFailure} when the runtime cannot use the private key or
 * the endpoint is not `https:` (plain `http:` is allowed to loopback hosts only, for development),
 * and with a `TypeError` for an object not built by {@link defineClientAuthentication}.
 *
 * @example
 * ```ts
 * const parts = await clientAuthenticationFor(auth, { clientId: 'tokenward', issuer: 'https://as.example', endpoint: 'https://as.example/introspect', now: Date.now() })
 * const body = new URLSearchParams({ token, token_type_hint: 'access_token', ...parts.form })
 * await httpPost({ url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...parts.headers }, body: body.toString(),
 *   clientCertificate: parts.tls, timeoutMs: 5000, maxBytes: 65536, certificateValidation: true })
 * ```
 */
export async function clientAuthenticationFor(auth: ClientAuthentication, context: ClientAuthenticationContext): Promise<ClientAuthenticationParts> {
  const material = secretMaterialOf(auth)
  if (material === undefined) throw new TypeError('not a ClientAuthentication built by defineClientAuthentication')
  const target = context.endpoint ?? context.audience
  const endpoint = target !== undefined && URL.canParse(String(target)) ? new URL(String(target)) : undefined
  if (endpoint !== undefined && endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname))) {
    // Credentials travel only over TLS (plain http only to this machine, for development).
    throw new ClientAuthenticationFailure(`client credentials are sent only over https: (plain http: only to loopback), not to ${endpoint.protocol}//${endpoint.host}`)
  }
  switch (material.kind) {
    case 'secret':
      return auth.method === 'client_secret_basic'
        ? { headers: { authorization: basicCredentials(context.clientId, material.clientSecret) }, form: {} }
        : { headers: {}, form: { client_id: context.clientId, client_secret: material.clientSecret } }
    case 'assertion':
      return {
        headers: {},
        form: {
          client_id: context.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await clientAssertion(auth as Extract<ClientAuthentication, { method: 'private_key_jwt' }>, material, context),
        },
      }
    case 'tls':
      return { headers: {}, form: { client_id: context.clientId }, tls: { certificate: material.certificate, privateKey: material.privateKey } }
  }
}
