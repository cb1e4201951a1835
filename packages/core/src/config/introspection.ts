/**
 * The `introspection` section of an authorization server config (RFC 7662): where tokenward asks
 * about opaque tokens, as which client, and how long it may remember the answers.
 *
 * @module
 */
import { defineClientAuthentication, type ClientAuthentication } from '../client-auth/index.ts'
import type { ConfigIssue } from '../errors.ts'
import { serverUrlProblem } from './server-url.ts'

/**
 * The `introspection` member as written by a user (JSON-compatible).
 *
 * @example
 * ```ts
 * const introspection: IntrospectionInput = {
 *   endpoint: 'https://as.example/introspect', clientId: 'tokenward-rs',
 *   clientAuthentication: { method: 'client_secret_basic', clientSecret: process.env.INTROSPECTION_SECRET },
 *   tokenTimeToLiveSeconds: 60,
 * }
 * ```
 */
export interface IntrospectionInput {
  /**
   * The introspection endpoint: `https:` (plain `http:` only for loopback hosts). May be left out
   * when the server has `discovery`, which fills it from the metadata.
   */
  readonly endpoint?: string
  /** tokenward's client ID at the authorization server. */
  readonly clientId: string
  /** How tokenward authenticates (see `clientAuthentication`). */
  readonly clientAuthentication: unknown
  /** Remember answers. Default `true`. */
  readonly cacheTokens?: boolean
  /** How long an active answer is remembered, in seconds, at most until the token's `exp`; `-1` (default) means until `exp`. */
  readonly tokenTimeToLiveSeconds?: number
  /** Send the requested URI (without its query) as `aud`, so the AS checks the audience. Default `false`. */
  readonly sendAudience?: boolean
  /**
   * `'json'` (default), or `'jwt'` (RFC 9701): the answer is a JWT signed by the authorization
   * server, verified against the server's keys (`jwksUrl`, `jwks` or `discovery` required, and
   * `issuer`) with `typ: token-introspection+jwt`, `iss` = the server's issuer, `aud` = `clientId`
   * and a recent `iat`. A plain JSON answer is then refused as a misconfiguration (503).
   */
  readonly responseFormat?: 'json' | 'jwt'
  /** `'opaque'` (default): only tokens that are not JWTs are introspected; `'always'`: every token. */
  readonly mode?: 'opaque' | 'always'
}

/**
 * The validated `introspection` section, defaults filled in.
 *
 * @example
 * ```ts
 * const config: IntrospectionConfig | undefined = defineAuthorizationServer(input).introspection
 * if (config?.mode === 'always') console.log('every token is introspected')
 * ```
 */
export interface IntrospectionConfig {
  /** Absent only on a server with `discovery`, until the metadata fills it in. */
  readonly endpoint?: string | undefined
  readonly clientId: string
  readonly clientAuthentication: ClientAuthentication
  readonly cacheTokens: boolean
  /** Seconds, or `-1` for "until `exp`". */
  readonly tokenTimeToLiveSeconds: number
  readonly sendAudience: boolean
  readonly responseFormat: 'json' | 'jwt'
  readonly mode: 'opaque' | 'always'
}

const knownFields = new Set(['endpoint', 'clientId', 'clientAuthentication', 'cacheTokens', 'tokenTimeToLiveSeconds', 'sendAudience', 'responseFormat', 'mode'])
/**
 * The longest `tokenTimeToLiveSeconds` accepted: one day.
 *
 * @example
 * ```ts
 * const ttl = Math.min(requested, maxIntrospectionTimeToLiveSeconds)
 * ```
 */
export const maxIntrospectionTimeToLiveSeconds = 86_400

/**
 * Checks an `introspection` section, naming every bad field under `path`. Secrets never appear
 * in the issues.
 *
 * @example
 * ```ts
 * const r = checkIntrospection({ endpoint: 'https://as.example/introspect', clientId: 'api',
 *   clientAuthentication: { method: 'client_secret_basic', clientSecret: 's3cret' } }, 'introspection')
 * if (r.ok) console.log(r.config.cacheTokens) // true
 * ```
 */
export function checkIntrospection(
  input: unknown,
  path: string,
  context: { readonly endpointOptional?: boolean } = {},
): { readonly ok: true; readonly config: IntrospectionConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, issues: [{ path, message: 'must be an object' }] }
  const o = input as Record<string, unknown>
  const issues: ConfigIssue[] = []
  const issue = (field: string, message: string) => issues.push({ path: `${path}.${field}`, message })
  for (const key of Object.keys(o)) if (!knownFields.has(key)) issue(key, 'unknown field')

  const endpointProblem = o.endpoint === undefined && context.endpointOptional === true ? undefined : checkEndpointUrl(o.endpoint)
  if (endpointProblem !== undefined) issue('endpoint', endpointProblem)
  if (typeof o.clientId !== 'string' || o.clientId.length === 0 || o.clientId.length > 1024) issue('clientId', 'is required: a non-empty string of at most 1024 characters')
  let clientAuthentication: ClientAuthentication | undefined
  if (o.clientAuthentication === undefined) issue('clientAuthentication', 'is required')
  else {
    const auth = defineClientAuthentication(o.clientAuthentication, `${path}.clientAuthentication`)
    if (auth.ok) clientAuthentication = auth.value
    else issues.push(...auth.error)
  }
  for (const key of ['cacheTokens', 'sendAudience'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') issue(key, 'must be true or false')
  }
  const ttl = o.tokenTimeToLiveSeconds
  if (ttl !== undefined && !(ttl === -1 || (Number.isInteger(ttl) && (ttl as number) >= 0 && (ttl as number) <= maxIntrospectionTimeToLiveSeconds))) {
    issue('tokenTimeToLiveSeconds', `must be -1 (until the token expires) or an integer from 0 to ${maxIntrospectionTimeToLiveSeconds}`)
  }
  if (o.responseFormat !== undefined && o.responseFormat !== 'json' && o.responseFormat !== 'jwt') issue('responseFormat', 'must be "json" or "jwt"')
  if (o.mode !== undefined && o.mode !== 'opaque' && o.mode !== 'always') issue('mode', 'must be "opaque" or "always"')

  if (issues.length > 0 || clientAuthentication === undefined) return { ok: false, issues }
  return {
    ok: true,
    config: Object.freeze({
      ...(o.endpoint === undefined ? {} : { endpoint: new URL(o.endpoint as string).href }),
      clientId: o.clientId as string,
      clientAuthentication,
      cacheTokens: (o.cacheTokens as boolean | undefined) ?? true,
      tokenTimeToLiveSeconds: (ttl as number | undefined) ?? -1,
      sendAudience: (o.sendAudience as boolean | undefined) ?? false,
      responseFormat: (o.responseFormat as 'json' | 'jwt' | undefined) ?? 'json',
      mode: (o.mode as 'opaque' | 'always' | undefined) ?? 'opaque',
    }),
  }
}

/**
 * Why an authorization-server endpoint URL is unacceptable, or `undefined`: an absolute `https:`
 * URL (plain `http:` only for loopback hosts) without credentials or a fragment.
 *
 * @example
 * ```ts
 * checkEndpointUrl('http://as.example/introspect') // 'must use https (plain http only for loopback hosts)'
 * ```
 */
export function checkEndpointUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is required: a non-empty URL'
  if (value.length > 2048) return 'must be at most 2048 characters'
  return serverUrlProblem(value)
}
