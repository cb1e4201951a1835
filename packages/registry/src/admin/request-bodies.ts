/**
 * The request bodies' own members (the envelope), checked here with every problem named by path.
 * The server config inside an add or edit body is checked by the organization rules with core's
 * `validateAuthorizationServer`; when the envelope is bad too, its issues are reported together.
 *
 * @module
 */
import { validateAuthorizationServer, type ConfigIssue, type DiscoverableServerInput, type IntrospectionConfig, type TrustMode } from '@tokenward/core'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * An add or edit body split into the server config and the `validationId`, or every problem of
 * both when the envelope is bad.
 *
 * @example
 * ```ts
 * const r: ServerBody = readServerBody({ name: 'Okta1', jwksUrl: 'https://…', validationId: '…' })
 * ```
 */
export type ServerBody =
  | { readonly ok: true; readonly server: Readonly<Record<string, unknown>>; readonly validationId: string | undefined }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

/**
 * Reads the body of `POST …/authorization-servers` and `PUT …/authorization-servers/{name}`: a
 * server config plus an optional `validationId` (a UUID returned by the validate operation;
 * needed when the config has a `jwksUrl`).
 *
 * @example
 * ```ts
 * readServerBody({ name: 'Okta1', validationId: 42 })
 * // { ok: false, issues: [{ path: 'validationId', … }, { path: 'jwksUrl', message: 'is required (or give inline keys in jwks)' }] }
 * ```
 */
export function readServerBody(body: Readonly<Record<string, unknown>>): ServerBody {
  const { validationId, ...server } = body
  const issues: ConfigIssue[] = []
  if (validationId !== undefined && !(typeof validationId === 'string' && uuidPattern.test(validationId))) {
    issues.push({ path: 'validationId', message: 'must be the validationId (a UUID) returned by the validate operation' })
  }
  if (issues.length > 0) return { ok: false, issues: [...issues, ...configIssues(server)] }
  return { ok: true, server, validationId: validationId as string | undefined }
}

/**
 * Reads the optional body of `POST …/{name}/enable`: nothing, or `{ "switchFromEnabled": true }`.
 *
 * @example
 * ```ts
 * readEnableBody({ switchFromEnabled: 'yes' }) // { ok: false, issues: [{ path: 'switchFromEnabled', message: 'must be true or false' }] }
 * ```
 */
export function readEnableBody(
  body: Readonly<Record<string, unknown>> | undefined,
): { readonly ok: true; readonly switchFromEnabled: boolean | undefined } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (body === undefined) return { ok: true, switchFromEnabled: undefined }
  const issues = unknownMembers(body, ['switchFromEnabled'])
  const switchFromEnabled = body.switchFromEnabled
  if (switchFromEnabled !== undefined && typeof switchFromEnabled !== 'boolean') issues.push({ path: 'switchFromEnabled', message: 'must be true or false' })
  return issues.length > 0 ? { ok: false, issues } : { ok: true, switchFromEnabled: switchFromEnabled as boolean | undefined }
}

/**
 * Checks the optional body of `POST …/{name}/disable`: nothing, or `{}`.
 *
 * @example
 * ```ts
 * readDisableBody({ force: true }) // [{ path: 'force', message: 'unknown field' }]
 * ```
 */
export function readDisableBody(body: Readonly<Record<string, unknown>> | undefined): readonly ConfigIssue[] {
  return body === undefined ? [] : unknownMembers(body, [])
}

/**
 * What to validate, normalized: the JWKS source, the introspection connection, or both, with the
 * TLS and proxy settings they share. `discovery` (with `issuer`) asks Validate to read the
 * authorization server's metadata first and fill the endpoints left out.
 *
 * @example
 * ```ts
 * const source: ValidateBody = { jwksUrl: 'https://idp.example.com/keys', jwksCertificateValidation: true, trustedCertificates: [] }
 * ```
 */
export interface ValidateBody {
  readonly jwksUrl?: string | undefined
  readonly jwksCertificateValidation: boolean
  readonly trustedCertificates: readonly string[]
  /** The built `introspection` section (it holds the client's secret: never echo it). */
  readonly introspection?: (IntrospectionConfig & { readonly endpoint: string }) | undefined
  readonly issuer?: string | undefined
  readonly proxy?: string | undefined
  readonly trustMode?: TrustMode | undefined
}

/**
 * A validate body that asks for discovery, before the metadata filled its endpoints: the raw
 * server input to give `discoverServerConfig`.
 *
 * @example
 * ```ts
 * const pending: ValidateDiscoveryBody = { discover: { name: 'Validate', issuer: 'https://as.example', discovery: true } }
 * ```
 */
export interface ValidateDiscoveryBody {
  readonly discover: DiscoverableServerInput
}

const validateMembers = ['jwksUrl', 'jwksCertificateValidation', 'trustedCertificates', 'introspection', 'issuer', 'discovery', 'proxy', 'trustMode'] as const

/**
 * Reads the body of `POST …/authorization-servers/validate`: `jwksUrl` and/or `introspection`
 * (one is required), `jwksCertificateValidation`, `trustedCertificates`, `issuer`, `proxy` and
 * `trustMode` (optional), checked by the same rules as a server config, with URLs normalized the
 * way the config stores them. With `discovery` (`true` or the metadata URL, and `issuer`), the
 * endpoints may be left out: the answer is then `{ discover }`, to be read again with
 * {@link readValidateBody} once discovery filled them.
 *
 * @example
 * ```ts
 * readValidateBody({ jwksUrl: 'https://idp.example.com/keys', extra: 1 })
 * // { ok: false, issues: [{ path: 'extra', message: 'unknown field' }] }
 * ```
 */
export function readValidateBody(
  body: Readonly<Record<string, unknown>>,
): { readonly ok: true; readonly value: ValidateBody | ValidateDiscoveryBody } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const issues = unknownMembers(body, validateMembers)
  const given: Record<string, unknown> = {}
  for (const key of validateMembers) if (body[key] !== undefined) given[key] = body[key]
  const { jwksUrl, introspection, discovery } = given
  if (discovery !== undefined) {
    if (discovery !== true && typeof discovery !== 'string') issues.push({ path: 'discovery', message: 'must be true or the metadata URL' })
    if (typeof given.issuer !== 'string') issues.push({ path: 'issuer', message: 'is required with discovery: the metadata must name this issuer' })
    if (issues.length > 0) return { ok: false, issues }
    return { ok: true, value: { discover: { name: 'Validate', ...given } as unknown as DiscoverableServerInput } }
  }
  const neither = jwksUrl === undefined && introspection === undefined
  if (neither) issues.push({ path: 'jwksUrl', message: 'is required (or give introspection)' })
  // The same checks as a saved config: a placeholder name, and only the members given here.
  const probe = validateAuthorizationServer({ name: 'Validate', ...given })
  if (!probe.ok) issues.push(...probe.issues.filter((i) => !(neither && i.path === 'jwksUrl')))
  if (issues.length > 0 || !probe.ok) return { ok: false, issues }
  const config = probe.config
  const built = config.introspection
  // Without discovery the config rules demand the endpoint; the guard keeps the type honest.
  if (built !== undefined && built.endpoint === undefined) return { ok: false, issues: [{ path: 'introspection.endpoint', message: 'is required' }] }
  return {
    ok: true,
    value: {
      jwksUrl: config.jwksUrl,
      jwksCertificateValidation: config.jwksCertificateValidation,
      trustedCertificates: config.trustedCertificates,
      introspection: built as (IntrospectionConfig & { readonly endpoint: string }) | undefined,
      issuer: config.issuer,
      proxy: config.proxy,
      trustMode: config.trustMode,
    },
  }
}

function unknownMembers(body: Readonly<Record<string, unknown>>, known: readonly string[]): ConfigIssue[] {
  return Object.keys(body)
    .filter((key) => !known.includes(key))
    .map((key) => ({ path: key, message: 'unknown field' }))
}

function configIssues(server: Readonly<Record<string, unknown>>): readonly ConfigIssue[] {
  const r = validateAuthorizationServer(server)
  return r.ok ? [] : r.issues
}

/**
 * Splits an API client body into the client input and the `validationId` of a JWKS URL check
 * (a UUID when given). The client itself is checked by the organization rules.
 *
 * @example
 * ```ts
 * readApiClientBody({ name: 'CI', roles: [], authentication: { method: 'client_secret' } }) // { ok: true, client: { … }, validationId: undefined }
 * ```
 */
export function readApiClientBody(
  body: Readonly<Record<string, unknown>>,
): { readonly ok: true; readonly client: Readonly<Record<string, unknown>>; readonly validationId: string | undefined } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const { validationId, ...client } = body
  if (validationId !== undefined && !(typeof validationId === 'string' && uuidPattern.test(validationId))) {
    return { ok: false, issues: [{ path: 'validationId', message: 'must be the validationId (a UUID) returned by the validate operation' }] }
  }
  return { ok: true, client, validationId: validationId as string | undefined }
}

/**
 * Reads the optional body of `rotate-secret`: `{ dropPrevious?: boolean }`.
 *
 * @example
 * ```ts
 * readRotateBody({ dropPrevious: true }) // { ok: true, dropPrevious: true }
 * ```
 */
export function readRotateBody(
  body: Readonly<Record<string, unknown>> | undefined,
): { readonly ok: true; readonly dropPrevious: boolean | undefined } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (body === undefined) return { ok: true, dropPrevious: undefined }
  const issues = unknownMembers(body, ['dropPrevious'])
  if (body.dropPrevious !== undefined && typeof body.dropPrevious !== 'boolean') issues.push({ path: 'dropPrevious', message: 'must be true or false' })
  return issues.length > 0 ? { ok: false, issues } : { ok: true, dropPrevious: body.dropPrevious as boolean | undefined }
}
