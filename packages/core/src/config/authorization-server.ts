/**
 * Authorization server configuration: the JSON-compatible object an API owner stores for each of
 * its customers' authorization servers (and the file the `tokenward` CLI reads). Validated when it
 * is built, every bad field named by its path, plus warnings an admin UI can show.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { supportedAlgorithms } from '../jose/jwk.ts'
import { checkConnection } from './connection.ts'
import { validateDpopConfig, type DpopConfig, type DpopInput } from './dpop.ts'
import { checkEndpointUrl, checkIntrospection, type IntrospectionConfig, type IntrospectionInput } from './introspection.ts'
import { serverUrlProblem } from './server-url.ts'
import { validateMtlsConfig, type MtlsConfig, type MtlsInput } from './mtls.ts'
import type { TrustMode } from '../platform/types.ts'

/** The algorithms accepted when a config names none: RSA, RSA-PSS, P-256 and Ed25519 signatures. */
export const defaultAlgorithms: readonly SupportedAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA']

/** The configuration as written by a user (JSON-compatible; every field but `name` and a key source optional). */
export interface AuthorizationServerInput {
  /** Letters and digits only, 1–64 characters. */
  readonly name: string
  /** Free text, at most 256 characters (Unicode code points, so an emoji counts as one). Default `""`. */
  readonly description?: string
  /** Disabled servers reject every token with `server_disabled`. Default `true`. */
  readonly enabled?: boolean
  /** Where the server publishes its keys: `https:` (plain `http:` only for loopback hosts). */
  readonly jwksUrl?: string
  /**
   * Inline keys instead of a URL (static keys, or a public key / certificate converted to a JWK).
   * Public keys only: a JWK with a private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) is
   * refused.
   */
  readonly jwks?: { readonly keys: readonly Jwk[] }
  /** Check the JWKS host's TLS certificate. Default `true`; `false` is an explicit, warned opt-out. */
  readonly jwksCertificateValidation?: boolean
  /**
   * Extra CA certificates to trust for the JWKS host, added to the defaults: each entry one or more
   * `-----BEGIN CERTIFICATE-----` PEM blocks and nothing else (no private keys, no other text).
   */
  readonly trustedCertificates?: readonly string[]
  /** When set, `iss` must equal it exactly. */
  readonly issuer?: string
  /** When set, `aud` must contain it (or one of them). */
  readonly audience?: string | readonly string[]
  /** When set, the client identifier (`client_id`, `cid`, `appid` or `azp`) must equal it. */
  readonly clientId?: string
  /** Allowed signature algorithms. Default RS256, PS256, ES256, EdDSA. `none` and `HS*` are never allowed. */
  readonly algorithms?: readonly string[]
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (0–300). Default 30. */
  readonly clockToleranceSeconds?: number
  /** Require `typ` to be `at+jwt` / `application/at+jwt` (RFC 9068). Default `false`. */
  readonly requireAccessTokenType?: boolean
  /** Tokens longer than this many characters are rejected before decoding. Default 16384. */
  readonly maxTokenLength?: number
  /**
   * A prefix scope values carry before `<cloud>::<orgId>::<role>`, stripped before parsing: Amazon
   * Cognito issues custom scopes as `<resource-server>/<scope>`, so with a resource server
   * `tokenward-api` this is `tokenward-api/`. When set, a scope without the prefix grants no API
   * role. It must end with `/` and be a scope-token (printable ASCII, no space, `"` or `\`), at most
   * 256 characters. Default: none.
   */
  readonly scopePrefix?: string
  /** DPoP-bound tokens (RFC 9449): off (default), enabled or required; see {@link DpopInput}. */
  readonly dpop?: DpopInput
  /** Certificate-bound tokens (RFC 8705); see {@link MtlsInput}. */
  readonly mtls?: MtlsInput
  /**
   * Ask the authorization server about opaque tokens (RFC 7662). A server may have `introspection`
   * without `jwksUrl`/`jwks`: it then accepts opaque tokens only (see {@link IntrospectionInput}).
   */
  readonly introspection?: IntrospectionInput
  /** Emit one `introspection` event per request to the authorization server. Default `true`. */
  readonly audit?: boolean
  /** The claim or introspection member naming the caller in events. Default `sub`. */
  readonly subjectAttributeName?: string
  /**
   * Alternative origins of the authorization server (`https://host[:port]`, at most 16), tried in
   * order when the introspection endpoint's own origin cannot answer (connection refused, TLS
   * failure, timeout, 5xx; never on 4xx). The endpoint's path and query are kept.
   */
  readonly targets?: readonly string[]
  /**
   * An `http:` forward proxy for requests to the authorization server (introspection and JWKS):
   * `https:` requests go through a `CONNECT` tunnel, so TLS still runs end to end. No credentials
   * in the URL. Node.js, Deno and Bun; a plain `fetch` runtime refuses it (`unsupported`).
   */
  readonly proxy?: string
  /**
   * `'add'` (default): `trustedCertificates` are trusted besides the runtime's default CAs;
   * `'only'`: they replace them (a PingAccess trusted certificate group). `'only'` needs at least
   * one trusted certificate.
   */
  readonly trustMode?: TrustMode
  /**
   * Read the server's metadata (RFC 8414, OpenID Connect Discovery) to fill what the config
   * leaves out: `true` looks for `issuer`'s `/.well-known/oauth-authorization-server` (inserted
   * between host and path), then its `/.well-known/openid-configuration`; a string is the metadata
   * URL itself. Needs `issuer` (a fixed one, not a `{tenantid}` template): the document's `issuer`
   * must equal it exactly, else the document is not used. Fills `jwksUrl`,
   * `introspection.endpoint` and `tokenEndpoint` — with a certificate client authentication from
   * `mtls_endpoint_aliases` (RFC 8705 §5); explicit values win. A server with `discovery` may
   * omit `jwksUrl` and `introspection.endpoint`. `createVerifier` reads the metadata on first use
   * and keeps it cached (like keys); while it cannot be read and none is cached, requests get 503.
   */
  readonly discovery?: true | string
  /**
   * The authorization server's token endpoint (`https:`, plain `http:` only for loopback): the
   * audience of `private_key_jwt` assertions with `assertionAudience: 'token_endpoint'`. Filled by
   * `discovery` when absent.
   */
  readonly tokenEndpoint?: string
}

/** A validated configuration with every default filled in. */
export interface AuthorizationServerConfig {
  readonly name: string
  readonly description: string
  readonly enabled: boolean
  readonly jwksUrl: string | undefined
  readonly jwks: { readonly keys: readonly Jwk[] } | undefined
  readonly jwksCertificateValidation: boolean
  readonly trustedCertificates: readonly string[]
  readonly issuer: string | undefined
  readonly audience: readonly string[] | undefined
  readonly clientId: string | undefined
  readonly algorithms: readonly SupportedAlgorithm[]
  readonly clockToleranceSeconds: number
  readonly requireAccessTokenType: boolean
  readonly maxTokenLength: number
  /** Present only when configured (see {@link AuthorizationServerInput.scopePrefix}). */
  readonly scopePrefix?: string | undefined
  /** Present only when configured; absent means DPoP off (`defaultDpopConfig`). */
  readonly dpop?: DpopConfig | undefined
  /** Present only when configured; absent means `{ mode: 'enabled' }` (`defaultMtlsConfig`). */
  readonly mtls?: MtlsConfig | undefined
  /** Present only when configured (see {@link AuthorizationServerInput.introspection}). */
  readonly introspection?: IntrospectionConfig | undefined
  /** Absent means `true` (see {@link AuthorizationServerInput.audit}). */
  readonly audit?: boolean | undefined
  /** Absent means `sub` (see {@link AuthorizationServerInput.subjectAttributeName}). */
  readonly subjectAttributeName?: string | undefined
  /** Present only when configured: alternative origins (see {@link AuthorizationServerInput.targets}). */
  readonly targets?: readonly string[] | undefined
  /** Present only when configured (see {@link AuthorizationServerInput.proxy}). */
  readonly proxy?: string | undefined
  /** Absent means `'add'` (see {@link AuthorizationServerInput.trustMode}). */
  readonly trustMode?: TrustMode | undefined
  /** Present only when configured (see {@link AuthorizationServerInput.discovery}). */
  readonly discovery?: true | string | undefined
  /** Present only when configured (see {@link AuthorizationServerInput.tokenEndpoint}). */
  readonly tokenEndpoint?: string | undefined
}

/** Codes of configuration warnings. */
export type ConfigWarningCode =
  | 'no_issuer'
  | 'no_audience'
  | 'no_client_id'
  | 'http_jwks'
  | 'certificate_validation_disabled'

/** Something legal but risky, for an admin UI to show next to the field. */
export interface ConfigWarning {
  readonly code: ConfigWarningCode
  readonly path: string
  readonly message: string
}

/** The outcome of {@link validateAuthorizationServer}. */
export type AuthorizationServerValidation =
  | { readonly ok: true; readonly config: AuthorizationServerConfig; readonly warnings: readonly ConfigWarning[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly warnings: readonly ConfigWarning[] }

const knownFields = new Set([
  'name',
  'description',
  'enabled',
  'jwksUrl',
  'jwks',
  'jwksCertificateValidation',
  'trustedCertificates',
  'issuer',
  'audience',
  'clientId',
  'algorithms',
  'clockToleranceSeconds',
  'requireAccessTokenType',
  'maxTokenLength',
  'scopePrefix',
  'dpop',
  'mtls',
  'introspection',
  'audit',
  'subjectAttributeName',
  'targets',
  'proxy',
  'trustMode',
  'discovery',
  'tokenEndpoint',
])
const namePattern = /^[A-Za-z0-9]{1,64}$/
const maxUrlLength = 2048
const maxClaimValueLength = 2048
const maxDescriptionLength = 256
const maxScopePrefixLength = 256
/** One or more PEM certificate blocks (RFC 7468 strict base64 body) separated by whitespace, nothing else. */
const pemCertificates = /^\s*(?:-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END CERTIFICATE-----\s*)+$/
/** JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const scopeTokenPattern = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * Checks an authorization server configuration without throwing. Every problem is reported with
 * its path; warnings are reported even when the config is valid.
 *
 * @example
 * ```ts
 * const r = validateAuthorizationServer({ name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys' })
 * if (!r.ok) for (const issue of r.issues) console.log(issue.path, issue.message)
 * else for (const w of r.warnings) console.log('warning:', w.message) // no issuer, no audience
 * ```
 */
export function validateAuthorizationServer(input: unknown): AuthorizationServerValidation {
  const issues: ConfigIssue[] = []
  const warnings: ConfigWarning[] = []
  const issue = (path: string, message: string): void => {
    issues.push({ path, message })
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ path: '', message: 'must be a JSON object' }], warnings }
  }
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) if (!knownFields.has(key)) issue(key, 'unknown field')

  const name = o.name
  if (typeof name !== 'string') issue('name', 'is required and must be a string')
  else if (!namePattern.test(name)) issue('name', 'must be 1 to 64 letters or digits, with no spaces')

  const description = optional(o, 'description', '', (v) => {
    if (typeof v !== 'string') return 'must be a string'
    const length = codePointLength(v)
    if (length > maxDescriptionLength) return `must be at most ${maxDescriptionLength} characters (got ${length})`
    return undefined
  }, issue)
  const enabled = optional(o, 'enabled', true, booleanCheck, issue)
  const jwksCertificateValidation = optional(o, 'jwksCertificateValidation', true, booleanCheck, issue)
  const requireAccessTokenType = optional(o, 'requireAccessTokenType', false, booleanCheck, issue)

  let jwksUrl: string | undefined
  let jwks: { keys: readonly Jwk[] } | undefined
  const hasUrl = o.jwksUrl !== undefined
  const hasInline = o.jwks !== undefined
  if (hasUrl && hasInline) issue('jwks', 'give either jwksUrl or jwks, not both')
  if (!hasUrl && !hasInline && o.introspection === undefined && o.discovery === undefined) {
    issue('jwksUrl', 'is required (or give inline keys in jwks, introspection for opaque tokens, or discovery to read it from the metadata)')
  }
  if (hasUrl) {
    const problem = checkJwksUrl(o.jwksUrl)
    if (problem !== undefined) issue('jwksUrl', problem)
    else {
      jwksUrl = new URL(o.jwksUrl as string).href
      if (new URL(jwksUrl).protocol === 'http:') {
        warnings.push({ code: 'http_jwks', path: 'jwksUrl', message: 'The JWKS is fetched over plain HTTP; only acceptable for a loopback host in development.' })
      }
    }
  }
  if (hasInline) jwks = checkInlineJwks(o.jwks, issue)

  let trustedCertificates: readonly string[] = []
  if (o.trustedCertificates !== undefined) {
    if (!Array.isArray(o.trustedCertificates)) issue('trustedCertificates', 'must be an array of PEM certificates')
    else {
      o.trustedCertificates.forEach((pem: unknown, i) => {
        const problem = checkPemCertificates(pem)
        if (problem !== undefined) issue(`trustedCertificates[${i}]`, problem)
      })
      trustedCertificates = Object.freeze([...(o.trustedCertificates as string[])])
    }
  }
  if (jwksUrl !== undefined && jwksUrl.startsWith('http:') && (o.jwksCertificateValidation === false || trustedCertificates.length > 0)) {
    issue('jwksCertificateValidation', 'TLS settings only apply to an https jwksUrl')
  }
  if (jwksCertificateValidation === false && jwksUrl?.startsWith('https:')) {
    warnings.push({
      code: 'certificate_validation_disabled',
      path: 'jwksCertificateValidation',
      message: "The JWKS host's TLS certificate is not checked: anyone on the network path can substitute keys.",
    })
  }

  const issuer = optional(o, 'issuer', undefined, nonEmptyString, issue)
  const clientId = optional(o, 'clientId', undefined, nonEmptyString, issue)
  let audience: readonly string[] | undefined
  if (o.audience !== undefined) {
    if (typeof o.audience === 'string') {
      const p = nonEmptyString(o.audience)
      if (p) issue('audience', p)
      else audience = [o.audience]
    } else if (Array.isArray(o.audience) && o.audience.length > 0) {
      o.audience.forEach((a: unknown, i) => {
        const p = nonEmptyString(a)
        if (p) issue(`audience[${i}]`, p)
      })
      audience = o.audience as string[]
    } else issue('audience', 'must be a non-empty string or a non-empty array of strings')
  }
  if (issuer === undefined) {
    warnings.push({
      code: 'no_issuer',
      path: 'issuer',
      message:
        'No issuer set: any token signed by these keys is accepted. Set one whenever keys may be shared across tenants (e.g. Microsoft Entra ID common keys).',
    })
  }
  if (audience === undefined) {
    warnings.push({ code: 'no_audience', path: 'audience', message: 'No audience set: tokens minted for other APIs of this authorization server are accepted.' })
  }
  if (clientId === undefined) {
    warnings.push({ code: 'no_client_id', path: 'clientId', message: 'No client ID set: every client of this authorization server is accepted.' })
  }

  let algorithms: readonly SupportedAlgorithm[] = defaultAlgorithms
  if (o.algorithms !== undefined) {
    if (!Array.isArray(o.algorithms) || o.algorithms.length === 0) issue('algorithms', 'must be a non-empty array')
    else {
      const seen = new Set<SupportedAlgorithm>()
      o.algorithms.forEach((a: unknown, i) => {
        const path = `algorithms[${i}]`
        if (typeof a !== 'string') issue(path, 'must be a string')
        else if (a.toLowerCase() === 'none' || /^HS/i.test(a)) issue(path, `${a} is never allowed (unsigned or symmetric)`)
        else if (!(supportedAlgorithms as readonly string[]).includes(a)) issue(path, `${a} is not supported; use one of ${supportedAlgorithms.join(', ')}`)
        else seen.add(a as SupportedAlgorithm)
      })
      algorithms = [...seen]
    }
  }
  const clockToleranceSeconds = optional(o, 'clockToleranceSeconds', 30, (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 300 ? undefined : 'must be a number of seconds from 0 to 300',
  issue)
  const maxTokenLength = optional(o, 'maxTokenLength', 16384, (v) =>
    Number.isInteger(v) && (v as number) >= 256 && (v as number) <= 1_048_576 ? undefined : 'must be an integer from 256 to 1048576',
  issue)

  const scopePrefix = optional(o, 'scopePrefix', undefined, (v) => {
    if (typeof v !== 'string' || v.length === 0) return 'must be a non-empty string'
    if (v.length > maxScopePrefixLength) return `must be at most ${maxScopePrefixLength} characters`
    if (!scopeTokenPattern.test(v)) return 'must be printable ASCII without spaces, " or \\ (an RFC 6749 scope-token)'
    if (!v.endsWith('/')) return 'must end with "/" (Cognito scopes are <resource-server>/<scope>, so e.g. "tokenward-api/")'
    return undefined
  }, issue)

  const dpop = o.dpop === undefined ? undefined : validateDpopConfig(o.dpop, 'dpop')
  if (dpop !== undefined && !dpop.ok) issues.push(...dpop.issues)
  const mtls = o.mtls === undefined ? undefined : validateMtlsConfig(o.mtls, 'mtls')
  if (mtls !== undefined && !mtls.ok) issues.push(...mtls.issues)
  let introspection: IntrospectionConfig | undefined
  if (o.introspection !== undefined) {
    const checked = checkIntrospection(o.introspection, 'introspection', { endpointOptional: o.discovery !== undefined })
    if (checked.ok) introspection = checked.config
    else issues.push(...checked.issues)
  }
  const audit = optional(o, 'audit', true, booleanCheck, issue)
  const subjectAttributeName = optional(o, 'subjectAttributeName', undefined, (v) =>
    typeof v === 'string' && v.length > 0 && v.length <= 256 ? undefined : 'must be a claim name: a non-empty string of at most 256 characters',
  issue)

  let discovery: true | string | undefined
  if (o.discovery !== undefined) {
    if (o.discovery === true) discovery = true
    else if (typeof o.discovery !== 'string' || o.discovery.length === 0 || o.discovery.length > maxUrlLength) issue('discovery', 'must be true or the metadata URL')
    else {
      const problem = serverUrlProblem(o.discovery)
      if (problem !== undefined) issue('discovery', problem)
      else discovery = new URL(o.discovery).href
    }
    if (issuer === undefined) issue('issuer', 'is required with discovery: the metadata document must name this issuer exactly')
    else if (typeof issuer === 'string' && (issuer.includes('{') || !URL.canParse(issuer))) {
      issue('issuer', 'must be the absolute issuer URL with discovery (a {tenantid} template has no single metadata document)')
    }
  }
  const tokenEndpoint = optional(o, 'tokenEndpoint', undefined, (v) => checkEndpointUrl(v), issue)
  if (introspection?.responseFormat === 'jwt') {
    // RFC 9701 answers are signed by the AS: its keys verify them, and their iss must be its issuer.
    if (!hasUrl && !hasInline && o.discovery === undefined) issue('introspection.responseFormat', '"jwt" needs the server\'s keys to verify the answers: give jwksUrl, jwks or discovery')
    if (issuer === undefined) issue('introspection.responseFormat', '"jwt" needs issuer: the answer\'s iss must equal it')
  }

  const connection = checkConnection(o, trustedCertificates.length)
  if (!connection.ok) issues.push(...connection.issues)

  if (issues.length > 0 || !connection.ok) return { ok: false, issues, warnings }
  return {
    ok: true,
    warnings,
    config: {
      name: name as string,
      description: description as string,
      enabled: enabled as boolean,
      jwksUrl,
      jwks,
      jwksCertificateValidation: jwksCertificateValidation as boolean,
      trustedCertificates,
      issuer: issuer as string | undefined,
      audience,
      clientId: clientId as string | undefined,
      algorithms,
      clockToleranceSeconds: clockToleranceSeconds as number,
      requireAccessTokenType: requireAccessTokenType as boolean,
      maxTokenLength: maxTokenLength as number,
      ...(scopePrefix === undefined ? {} : { scopePrefix: scopePrefix as string }),
      ...(dpop?.ok === true ? { dpop: dpop.config } : {}),
      ...(mtls?.ok === true ? { mtls: mtls.config } : {}),
      ...(introspection === undefined ? {} : { introspection }),
      ...(o.audit === undefined ? {} : { audit: audit as boolean }),
      ...(subjectAttributeName === undefined ? {} : { subjectAttributeName: subjectAttributeName as string }),
      ...connection.value,
      ...(discovery === undefined ? {} : { discovery }),
      ...(tokenEndpoint === undefined ? {} : { tokenEndpoint: new URL(tokenEndpoint as string).href }),
    },
  }
}

/**
 * Builds an authorization server configuration, throwing {@link ConfigError} (naming every bad
 * field by its path) when it is invalid. Warnings are not errors; use
 * {@link validateAuthorizationServer} to see them.
 *
 * @example
 * ```ts
 * const okta = defineAuthorizationServer({
 *   name: 'Okta1',
 *   jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys',
 *   issuer: 'https://acme.okta.com/oauth2/default',
 *   audience: 'api://default',
 * })
 * ```
 */
export function defineAuthorizationServer(input: AuthorizationServerInput | Record<string, unknown>): AuthorizationServerConfig {
  const r = validateAuthorizationServer(input)
  if (!r.ok) throw new ConfigError(r.issues)
  return r.config
}

/**
 * Why a JWKS URL is unacceptable, or `undefined` when it is fine: it must be an absolute `https:`
 * URL (plain `http:` only for loopback hosts), without credentials or a fragment.
 *
 * @example
 * ```ts
 * checkJwksUrl('http://example.com/keys') // 'must use https (plain http only for loopback hosts)'
 * checkJwksUrl('https://example.com/keys') // undefined
 * ```
 */
export function checkJwksUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string'
  if (value.length > maxUrlLength) return `must be at most ${maxUrlLength} characters`
  return serverUrlProblem(value)
}

function checkInlineJwks(value: unknown, issue: (path: string, message: string) => void): { keys: readonly Jwk[] } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issue('jwks', 'must be a JWK Set object with a keys array')
    return undefined
  }
  const keys = (value as { keys?: unknown }).keys
  if (!Array.isArray(keys) || keys.length === 0) {
    issue('jwks.keys', 'must be a non-empty array of JWKs')
    return undefined
  }
  let fine = true
  keys.forEach((k: unknown, i) => {
    if (typeof k !== 'object' || k === null || Array.isArray(k) || typeof (k as { kty?: unknown }).kty !== 'string') {
      issue(`jwks.keys[${i}]`, 'must be a JWK object with a string kty')
      fine = false
      return
    }
    const privateMembers = privateJwkMembers.filter((m) => Object.hasOwn(k, m))
    if ((k as { kty: string }).kty === 'oct') {
      issue(`jwks.keys[${i}]`, 'symmetric (oct) keys are never used')
      fine = false
    } else if (privateMembers.length > 0) {
      issue(
        `jwks.keys[${i}]`,
        `is a private key (it has ${privateMembers.join(', ')}): paste the public key only, without ${privateJwkMembers.join(', ')}; keep the private key secret and consider it exposed`,
      )
      fine = false
    }
  })
  // A frozen copy: the config never shares (and so never later carries) what the caller passes.
  return fine ? Object.freeze({ keys: Object.freeze(keys.map((k: Jwk) => deepFreeze(structuredClone(k)))) }) : undefined
}

/**
 * Why a `trustedCertificates` entry is unacceptable, or `undefined`: it must hold one or more
 * `-----BEGIN CERTIFICATE-----` PEM blocks and nothing else.
 */
function checkPemCertificates(pem: unknown): string | undefined {
  if (typeof pem !== 'string') return 'must be a PEM certificate (-----BEGIN CERTIFICATE----- …)'
  if (/PRIVATE KEY-----/.test(pem)) {
    return 'contains a private key: paste only the CA certificate (-----BEGIN CERTIFICATE----- …); keep the private key secret and consider it exposed'
  }
  if (pem.length > 1_048_576 || !pemCertificates.test(pem)) {
    return 'must contain only PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), with no other blocks or text'
  }
  return undefined
}

/** Length in Unicode code points (what a person counts as characters, near enough), not UTF-16 units. */
function codePointLength(text: string): number {
  let length = 0
  for (const _ of text) length++
  return length
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}

function optional<T>(
  o: Record<string, unknown>,
  key: string,
  fallback: T,
  check: (v: unknown) => string | undefined,
  issue: (path: string, message: string) => void,
): unknown {
  const v = o[key]
  if (v === undefined) return fallback
  const problem = check(v)
  if (problem !== undefined) {
    issue(key, problem)
    return fallback
  }
  return v
}

function booleanCheck(v: unknown): string | undefined {
  return typeof v === 'boolean' ? undefined : 'must be true or false'
}

function nonEmptyString(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return 'must be a non-empty string'
  if (v.length > maxClaimValueLength) return `must be at most ${maxClaimValueLength} characters`
  return undefined
}
