/**
 * The request bodies' own members (the envelope), checked here with every problem named by path.
 * The server config inside an add or edit body is checked by the organization rules with core's
 * `validateAuthorizationServer`; when the envelope is bad too, its issues are reported together.
 *
 * @module
 */
import { validateAuthorizationServer, type ConfigIssue } from '@tokenward/core'

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
 * The JWKS source to validate, normalized.
 *
 * @example
 * ```ts
 * const source: ValidateBody = { jwksUrl: 'https://idp.example.com/keys', jwksCertificateValidation: true, trustedCertificates: [] }
 * ```
 */
export interface ValidateBody {
  readonly jwksUrl: string
  readonly jwksCertificateValidation: boolean
  readonly trustedCertificates: readonly string[]
}

/**
 * Reads the body of `POST …/authorization-servers/validate`: `jwksUrl` (required),
 * `jwksCertificateValidation` and `trustedCertificates` (optional), checked by the same rules
 * as a server config, with the URL normalized the way the config stores it.
 *
 * @example
 * ```ts
 * readValidateBody({ jwksUrl: 'https://idp.example.com/keys', extra: 1 })
 * // { ok: false, issues: [{ path: 'extra', message: 'unknown field' }] }
 * ```
 */
export function readValidateBody(
  body: Readonly<Record<string, unknown>>,
): { readonly ok: true; readonly value: ValidateBody } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const issues = unknownMembers(body, ['jwksUrl', 'jwksCertificateValidation', 'trustedCertificates'])
  const { jwksUrl, jwksCertificateValidation, trustedCertificates } = body
  if (jwksUrl === undefined) issues.push({ path: 'jwksUrl', message: 'is required' })
  // The same checks as a saved config: a placeholder name, and only the members given here.
  const probe = validateAuthorizationServer({ name: 'Validate', jwksUrl, jwksCertificateValidation, trustedCertificates })
  if (!probe.ok) issues.push(...probe.issues.filter((i) => !(jwksUrl === undefined && i.path === 'jwksUrl')))
  if (issues.length > 0 || !probe.ok) return { ok: false, issues }
  const config = probe.config
  return {
    ok: true,
    value: { jwksUrl: config.jwksUrl as string, jwksCertificateValidation: config.jwksCertificateValidation, trustedCertificates: config.trustedCertificates },
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
