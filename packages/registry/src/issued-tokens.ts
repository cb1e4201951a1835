/**
 * Tokens minted by tokenward's own issuer (`@tokenward/issuer`) for an organization's API clients,
 * accepted by the registry verifier beside the organization's own authorization server. The rule
 * is pure: a verified issuer token is accepted for organization X only when X is neither suspended
 * nor expired, the token's client is an enabled API client of X, and one of its `scope` roles is
 * `<cloud>::<X>::<role>` for a role that X still has, the client still holds and the route
 * accepts. A token minted for another organization's client never carries X's scope.
 *
 * @module
 */
import {
  ClaimValidationError,
  ServerDisabledError,
  auditAdminId,
  authorizeApiResource,
  authorizeApiRole,
  readCredentials,
  validateAuthorizationServer,
  type AuthorizationServerConfig,
  type ConfigIssue,
  type DpopInput,
  type InsufficientScopeError,
  type Jwk,
  type Result,
  type TokenRequest,
  type VerifiedAccessToken,
} from '@tokenward/core'
import { decodeBase64Url } from '@tokenward/core/jose'
import { apiClientsOf, isSubscriptionExpired, type Organization } from '@tokenward/core/organization'

/**
 * The built-in issuer whose tokens the registry verifier accepts for the organizations' API
 * clients: its issuer identifier and its public keys (inline, or the issuer's JWKS URL).
 *
 * @example
 * ```ts
 * const builtIn: BuiltInIssuerOptions = { issuer: 'https://auth.example.com', jwksUrl: 'https://auth.example.com/jwks', dpop: { mode: 'enabled', requireNonce: true } }
 * ```
 */
export interface BuiltInIssuerOptions {
  /** The issuer identifier (`iss`) of the tokens. Reserved: no organization's own server may use it. */
  readonly issuer: string
  /** The issuer's public keys. Give exactly one of `jwks` and `jwksUrl`. */
  readonly jwks?: { readonly keys: readonly Jwk[] } | undefined
  /** The issuer's JWKS endpoint. Give exactly one of `jwks` and `jwksUrl`. */
  readonly jwksUrl?: string | undefined
  /** `aud` must contain it. Default: the issuer identifier (the issuer's default audience). */
  readonly audience?: string | undefined
  /**
   * How the APIs check DPoP-bound issuer tokens (RFC 9449; core's `dpop` section: `mode`,
   * `requireNonce`, `nonceSecret`, `proofLifetimeSeconds`, `clockToleranceSeconds`,
   * `algorithms`). The issuer binds a token to a key (`cnf.jkt`) when its client sent a DPoP proof,
   * so the registry's APIs check such tokens like the organizations' own servers' DPoP tokens: the
   * `DPoP` scheme with a valid proof for the request, the nonce when `requireNonce` is set, each
   * proof used once through the registry's `replayStore` (keys namespaced for the built-in issuer
   * per organization). Default `{ mode: 'enabled' }`: bound tokens need their proof, unbound
   * Bearer tokens keep working. `{ mode: 'required' }` refuses unbound tokens; `false` or
   * `{ mode: 'off' }` refuses every DPoP-bound issuer token (as `token_bound`).
   */
  readonly dpop?: DpopInput | false | undefined
}

/** The name issuer tokens are checked and audited under (`authorizationServer` in API-call records). */
export const builtInIssuerServerName = 'TokenwardIssuer'

/**
 * Checks the option and builds the server config the issuer's tokens are verified with (`typ:
 * at+jwt` required, ES256 only), or every bad field by path under `issuer.`.
 *
 * @example
 * ```ts
 * const r = builtInIssuerServer({ issuer: 'https://auth.example.com', jwks })
 * if (!r.ok) throw new RegistryConfigError(r.issues)
 * ```
 */
export function builtInIssuerServer(options: BuiltInIssuerOptions): { readonly ok: true; readonly server: AuthorizationServerConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (typeof options !== 'object' || options === null) return { ok: false, issues: [{ path: 'issuer', message: 'must be { issuer, jwks | jwksUrl, audience? }' }] }
  const issues: ConfigIssue[] = []
  for (const key of Object.keys(options)) if (!['issuer', 'jwks', 'jwksUrl', 'audience', 'dpop'].includes(key)) issues.push({ path: `issuer.${key}`, message: 'unknown field' })
  if (options.dpop !== undefined && options.dpop !== false && (typeof options.dpop !== 'object' || options.dpop === null)) issues.push({ path: 'issuer.dpop', message: "must be a dpop section ({ mode, requireNonce, … }) or false" })
  const dpop: DpopInput | undefined = options.dpop === false ? undefined : typeof options.dpop === 'object' && options.dpop !== null ? { mode: 'enabled', ...options.dpop } : { mode: 'enabled' }
  if (typeof options.issuer !== 'string' || options.issuer === '') issues.push({ path: 'issuer.issuer', message: 'must be the issuer identifier of the built-in issuer' })
  if ((options.jwks === undefined) === (options.jwksUrl === undefined)) issues.push({ path: 'issuer', message: 'give exactly one of jwks and jwksUrl' })
  const r = validateAuthorizationServer({
    name: builtInIssuerServerName,
    ...(options.jwks === undefined ? {} : { jwks: options.jwks }),
    ...(options.jwksUrl === undefined ? {} : { jwksUrl: options.jwksUrl }),
    issuer: options.issuer,
    audience: options.audience ?? options.issuer,
    algorithms: ['ES256'],
    requireAccessTokenType: true,
    ...(dpop === undefined ? {} : { dpop }),
  })
  if (!r.ok) {
    for (const i of r.issues) {
      const path = i.path === '' ? 'issuer' : `issuer.${i.path}`
      if (!issues.some((known) => known.path === path)) issues.push({ ...i, path })
    }
  }
  if (issues.length > 0 || !r.ok) return { ok: false, issues }
  return { ok: true, server: r.config }
}

/**
 * The `iss` of the request's token, read without verifying anything: only to choose which keys
 * verify it (the built-in issuer's or the organization's server's). `undefined` when there is no
 * readable token.
 *
 * @example
 * ```ts
 * if (tokenIssuerOf(request) === builtIn.issuer) return verifyIssued(request)
 * ```
 */
export function tokenIssuerOf(request: Pick<TokenRequest, 'headers'>): string | undefined {
  const credentials = readCredentials(request)
  return credentials.ok ? issuerOfToken(credentials.value.token) : undefined
}

/**
 * {@link tokenIssuerOf} remembered per token (at most `maxEntries` tokens and `maxChars` characters,
 * then forgotten all at once), so
 * a token seen again costs one map lookup instead of a base64url and JSON decode: the registry
 * verifier's hot path serves repeated tokens from its cache in a few microseconds.
 *
 * @example
 * ```ts
 * const issuerOf = createTokenIssuerMemo()
 * if (issuerOf(request) === builtIn.issuer) return verifyIssued(request)
 * ```
 */
export function createTokenIssuerMemo(maxEntries = 10_000, maxChars = 4 * 1024 * 1024): (request: Pick<TokenRequest, 'headers'>) => string | undefined {
  const seen = new Map<string, string | undefined>()
  // Tokens are remembered before any signature is checked: the characters held are bounded too,
  // or anyone could pin maxEntries header-sized strings.
  let chars = 0
  return (request) => {
    const credentials = readCredentials(request)
    if (!credentials.ok) return undefined
    const token = credentials.value.token
    if (seen.has(token)) return seen.get(token)
    const iss = issuerOfToken(token)
    if (token.length > maxChars) return iss
    if (seen.size >= maxEntries || chars + token.length > maxChars) {
      seen.clear()
      chars = 0
    }
    seen.set(token, iss)
    chars += token.length
    return iss
  }
}

function issuerOfToken(token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || (parts[1] as string).length > 16_384) return undefined
  const bytes = decodeBase64Url(parts[1] as string)
  if (bytes === undefined) return undefined
  try {
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes))
    const iss = typeof payload === 'object' && payload !== null ? (payload as { iss?: unknown }).iss : undefined
    return typeof iss === 'string' ? iss : undefined
  } catch {
    return undefined
  }
}

/**
 * Decides whether a verified built-in-issuer token may call organization `org`'s API (pure: the
 * token's signature and claims were checked before). `requiredRoles` narrows the roles the route
 * accepts. Returns the token with its `authorization` (admin ID for the audit), or why not:
 * `server_disabled` (suspended or expired organization), `invalid_client` (not an enabled API
 * client of `org`), `insufficient_scope` (no role of `org` that the client holds and the route
 * accepts). With `category` (the route's API resource category), the role must also grant it in
 * `org.apiRoles`, as for the organization's own server's tokens.
 *
 * @example
 * ```ts
 * const r = authorizeIssuedToken(org, verified.token, ['Admin'], nowSeconds)
 * if (!r.ok) return refuse(r.error)
 * ```
 */
export function authorizeIssuedToken(
  org: Organization,
  token: VerifiedAccessToken,
  requiredRoles: readonly string[] | undefined,
  nowSeconds: number,
  category?: string,
): Result<VerifiedAccessToken, ServerDisabledError | ClaimValidationError | InsufficientScopeError> {
  if (org.suspension !== undefined) {
    return { ok: false, error: new ServerDisabledError(`Organization ${org.orgId} is suspended`, { expected: 'enabled', actual: 'suspended' }) }
  }
  if (isSubscriptionExpired(org, nowSeconds)) {
    return { ok: false, error: new ServerDisabledError(`The subscription of organization ${org.orgId} has expired`, { expected: 'enabled', actual: 'subscription_expired' }) }
  }
  const client = apiClientsOf(org).find((c) => c.clientId === token.clientId)
  if (client === undefined || !client.enabled) {
    return {
      ok: false,
      error: new ClaimValidationError('invalid_client', `The token's client is not an enabled API client of organization ${org.orgId}`, {
        claim: 'client_id',
        actual: token.clientId.slice(0, 128),
      }),
    }
  }
  const routeRoles = requiredRoles ?? Object.keys(org.apiRoles)
  const orgRouteRoles = routeRoles.filter((role) => Object.hasOwn(org.apiRoles, role))
  // Only roles the client still holds count; a refusal names every role of the route that grants the category.
  const decision =
    category === undefined
      ? authorizeApiRole(token.apiRoles, { cloud: org.cloud, orgId: org.orgId, allowedRoles: orgRouteRoles.filter((role) => client.roles.includes(role)) })
      : authorizeApiResource(
          token.apiRoles.filter((r) => client.roles.includes(r.role)),
          { cloud: org.cloud, orgId: org.orgId, apiRoles: org.apiRoles, category, allowedRoles: orgRouteRoles },
        )
  if (!decision.ok) return decision
  const apiRole = decision.value
  return { ok: true, value: { ...token, authorization: { apiRole, adminId: auditAdminId({ role: apiRole.role, orgId: org.orgId, cloudDomain: org.cloudDomain }) } } }
}
