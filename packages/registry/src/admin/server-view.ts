/**
 * How the admin API shows a stored authorization server: its effective status, the fields an
 * admin UI lists, the config warnings, when its keys were last fetched, and the full stored
 * config (to fill an edit form).
 *
 * @module
 */
import { validateAuthorizationServer, type AuthorizationServerConfig, type ConfigWarning } from '@tokenward/core'
import { effectiveServerStatus, type Organization, type ServerStatus } from '@tokenward/core/organization'
import type { AdminContext } from './admin-context.ts'
import { withoutPrivateKeyMaterial } from './private-key-material.ts'

/**
 * One authorization server as the admin API returns it. Absent optional settings are `null`.
 *
 * @example
 * ```ts
 * const view: AuthorizationServerView = {
 *   name: 'Okta1', status: 'enabled', enabled: true, description: '', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys', discovery: null,
 *   issuer: 'https://acme.okta.com', audience: ['api://default'], clientId: null, lastSuccessfulFetchAt: '2026-01-02T03:04:05.000Z',
 *   warnings: [{ code: 'no_client_id', path: 'clientId', message: 'No client ID set: every client of this authorization server is accepted.' }],
 *   config: okta1Config,
 * }
 * ```
 */
export interface AuthorizationServerView {
  readonly name: string
  /** The effective status: a suspension wins over an expired subscription, which wins over the stored flag. */
  readonly status: ServerStatus
  /** The stored flag (what the server returns to once a suspension is lifted or the subscription renewed). */
  readonly enabled: boolean
  readonly description: string
  /**
   * The configured JWKS URL, `inline` for keys stored in the config, or `null` when the config
   * names none: the keys come from `discovery` (the metadata's `jwks_uri`, read by the verifier)
   * or the server only introspects.
   */
  readonly jwksUrl: string | null
  /**
   * `true` or the metadata URL when the server's endpoints the config leaves out come from the
   * authorization server's metadata for `issuer`; `null` otherwise.
   */
  readonly discovery: true | string | null
  readonly issuer: string | null
  readonly audience: readonly string[] | null
  readonly clientId: string | null
  /**
   * ISO 8601: when the keys were last fetched from the current JWKS URL (from `keyStatus`, or
   * else the store's key-fetch records); `null` when never fetched from this URL, or for inline keys.
   */
  readonly lastSuccessfulFetchAt: string | null
  readonly warnings: readonly ConfigWarning[]
  /**
   * The stored config, as JSON (members that are not set are left out), without private key
   * material: inline JWKs lose `d`, `p`, `q`, `dp`, `dq`, `qi`, `oth` and `k`, and a
   * `trustedCertificates` entry holding a private key is left out, even if the store has them.
   */
  readonly config: AuthorizationServerConfig
}

/**
 * Builds the view of `server`, a member of `org`, at `now` (seconds). A `keyStatus` that fails is
 * reported to `onError` and shows as `null`; it never fails the answer.
 *
 * @example
 * ```ts
 * const views = await Promise.all(org.authorizationServers.map((s) => serverView(ctx, org, s, nowSeconds(ctx))))
 * ```
 */
export async function serverView(
  ctx: Pick<AdminContext, 'options'>,
  org: Organization,
  server: AuthorizationServerConfig,
  now: number,
): Promise<AuthorizationServerView> {
  return {
    name: server.name,
    status: effectiveServerStatus(org, server.name, now) ?? 'disabled',
    enabled: server.enabled,
    description: server.description,
    jwksUrl: server.jwksUrl ?? (server.jwks === undefined ? null : 'inline'),
    discovery: server.discovery ?? null,
    issuer: server.issuer ?? null,
    audience: server.audience ?? null,
    clientId: server.clientId ?? null,
    lastSuccessfulFetchAt: await lastFetch(ctx, org.orgId, server),
    warnings: validateAuthorizationServer(server).warnings,
    config: withoutPrivateKeyMaterial(server),
  }
}

async function lastFetch(ctx: Pick<AdminContext, 'options'>, orgId: string, server: AuthorizationServerConfig): Promise<string | null> {
  const { keyStatus, store } = ctx.options
  const jwksUrl = server.jwksUrl
  if (jwksUrl === undefined) return null
  try {
    let at: Date | undefined
    if (keyStatus !== undefined) at = await keyStatus(orgId, server.name)
    else if (store.keyFetches !== undefined) {
      // No verifier in this process: the store's key-fetch records, written by whichever process fetched.
      const record = (await store.keyFetches(orgId)).find((r) => r.serverName === server.name && r.jwksUrl === jwksUrl)
      at = record === undefined ? undefined : new Date(record.lastSuccessfulFetchAt)
    }
    return at instanceof Date && Number.isFinite(at.getTime()) ? at.toISOString() : null
  } catch (error) {
    ctx.options.onError(error)
    return null
  }
}
