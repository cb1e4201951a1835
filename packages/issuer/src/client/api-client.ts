/**
 * API clients: who may ask the issuer for tokens, with which roles, and how each proves who it is.
 *
 * @module
 */
import { checkJwksUrl, ConfigError, type ConfigIssue, type Jwk } from '@tokenward/core'
import { keyProblems } from '@tokenward/core/jose'
import { secretHashProblem } from '../secret/pbkdf2-hasher.ts'
import type { SecretHash } from '../secret/secret-hasher.ts'

/**
 * How a client authenticates at the token endpoint: exactly one method. `private_key_jwt` signs an
 * RFC 7523 assertion with a key published at `jwksUrl`, or registered as a PEM `certificate`
 * (validity period enforced) or `publicKey` (PEM SPKI or a JWK). `client_secret` holds slow hashes
 * only: one, or two while a secret is being rotated.
 *
 * @example
 * ```ts
 * const byCertificate: ClientAuthentication = { method: 'private_key_jwt', certificate: pem }
 * ```
 */
export type ClientAuthentication =
  | { readonly method: 'private_key_jwt'; readonly jwksUrl: string }
  | { readonly method: 'private_key_jwt'; readonly certificate: string }
  | { readonly method: 'private_key_jwt'; readonly publicKey: string | Jwk }
  | { readonly method: 'client_secret'; readonly secretHashes: readonly SecretHash[] }

/**
 * An API client as stored (validated by {@link defineApiClient}).
 *
 * @example
 * ```ts
 * const client: ApiClient = defineApiClient({ clientId: 'ci', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [hash] } })
 * ```
 */
export interface ApiClient {
  /** Printable ASCII, 1–128 characters, no spaces. */
  readonly clientId: string
  readonly name: string
  readonly description: string
  /** A disabled client gets `invalid_client` for every request. */
  readonly enabled: boolean
  /** The organization's API roles this client may be granted. */
  readonly roles: readonly string[]
  readonly authentication: ClientAuthentication
}

/**
 * What a caller writes; `name` defaults to the client ID, `description` to `""`, `enabled` to `true`.
 *
 * @example
 * ```ts
 * const input: ApiClientInput = { clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://reporting.example.com/jwks.json' } }
 * ```
 */
export interface ApiClientInput {
  readonly clientId: string
  readonly name?: string
  readonly description?: string
  readonly enabled?: boolean
  readonly roles: readonly string[]
  readonly authentication: ClientAuthentication
}

const clientIdPattern = /^[\x21-\x7E]{1,128}$/
const rolePattern = /^[\x21-\x7E]{1,128}$/
const knownFields = new Set(['clientId', 'name', 'description', 'enabled', 'roles', 'authentication'])

/**
 * Validates an API client, reporting every bad field by its path.
 *
 * @example
 * ```ts
 * const r = validateApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://keys.example.com/jwks.json' } })
 * if (!r.ok) console.log(r.issues)
 * ```
 */
export function validateApiClient(input: unknown): { readonly ok: true; readonly client: ApiClient } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string): void => void issues.push({ path, message })
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, issues: [{ path: '', message: 'must be an object' }] }
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) if (!knownFields.has(key)) issue(key, 'unknown field')
  if (typeof o.clientId !== 'string' || !clientIdPattern.test(o.clientId)) issue('clientId', 'must be 1 to 128 printable ASCII characters without spaces')
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length > 128)) issue('name', 'must be a string of at most 128 characters')
  if (o.description !== undefined && (typeof o.description !== 'string' || o.description.length > 1024)) issue('description', 'must be a string of at most 1024 characters')
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') issue('enabled', 'must be a boolean')
  if (!Array.isArray(o.roles)) issue('roles', 'must be an array of role names')
  else {
    o.roles.forEach((role: unknown, i) => {
      if (typeof role !== 'string' || !rolePattern.test(role) || role.includes('::')) issue(`roles[${i}]`, 'must be a role name (printable ASCII, no spaces, no "::")')
    })
    if (new Set(o.roles).size !== o.roles.length) issue('roles', 'must not repeat a role')
  }
  const authentication = checkAuthentication(o.authentication, issue)
  if (issues.length > 0 || authentication === undefined) return { ok: false, issues }
  const clientId = o.clientId as string
  return {
    ok: true,
    client: Object.freeze({
      clientId,
      name: (o.name as string | undefined) ?? clientId,
      description: (o.description as string | undefined) ?? '',
      enabled: (o.enabled as boolean | undefined) ?? true,
      roles: Object.freeze([...(o.roles as string[])]),
      authentication,
    }),
  }
}

/**
 * Builds a validated API client; throws a `ConfigError` naming every bad field by its path.
 *
 * @example
 * ```ts
 * const client = defineApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: pem } })
 * ```
 */
export function defineApiClient(input: ApiClientInput): ApiClient {
  const r = validateApiClient(input)
  if (!r.ok) throw new ConfigError(r.issues)
  return r.client
}

function checkAuthentication(value: unknown, issue: (path: string, message: string) => void): ClientAuthentication | undefined {
  const path = 'authentication'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return void issue(path, 'is required: { method, … }')
  const a = value as Record<string, unknown>
  if (a.method === 'client_secret') {
    for (const key of Object.keys(a)) if (key !== 'method' && key !== 'secretHashes') issue(`${path}.${key}`, key === 'clientSecret' || key === 'secret' ? 'plain secrets are never stored: give secretHashes' : 'unknown field')
    if (!Array.isArray(a.secretHashes) || a.secretHashes.length < 1 || a.secretHashes.length > 2) return void issue(`${path}.secretHashes`, 'must hold one hash, or two while a secret is rotated')
    let ok = true
    a.secretHashes.forEach((h: unknown, i) => {
      const problem = secretHashProblem(h)
      if (problem !== undefined) (ok = false), issue(`${path}.secretHashes[${i}]`, problem)
    })
    return ok ? Object.freeze({ method: 'client_secret', secretHashes: Object.freeze([...(a.secretHashes as SecretHash[])]) }) : undefined
  }
  if (a.method !== 'private_key_jwt') return void issue(`${path}.method`, 'must be "private_key_jwt" or "client_secret"')
  const sources = (['jwksUrl', 'certificate', 'publicKey'] as const).filter((k) => a[k] !== undefined)
  for (const key of Object.keys(a)) if (key !== 'method' && !(['jwksUrl', 'certificate', 'publicKey'] as string[]).includes(key)) issue(`${path}.${key}`, 'unknown field')
  if (sources.length !== 1) return void issue(path, 'give exactly one of jwksUrl, certificate or publicKey')
  const source = sources[0]!
  if (source === 'jwksUrl') {
    const problem = checkJwksUrl(a.jwksUrl)
    if (problem !== undefined) return void issue(`${path}.jwksUrl`, problem)
    return Object.freeze({ method: 'private_key_jwt', jwksUrl: new URL(a.jwksUrl as string).href })
  }
  if (source === 'certificate') {
    if (typeof a.certificate !== 'string' || !a.certificate.includes('-----BEGIN CERTIFICATE-----')) return void issue(`${path}.certificate`, 'must be a PEM certificate')
    return Object.freeze({ method: 'private_key_jwt', certificate: a.certificate })
  }
  const key = a.publicKey
  if (typeof key === 'string') {
    if (!key.includes('-----BEGIN PUBLIC KEY-----')) return void issue(`${path}.publicKey`, 'must be a PEM public key (SPKI) or a JWK')
    return Object.freeze({ method: 'private_key_jwt', publicKey: key })
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return void issue(`${path}.publicKey`, 'must be a PEM public key (SPKI) or a JWK')
  const problems = keyProblems(key as Jwk)
  const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].filter((m) => m in key)
  if (privateMembers.length > 0) return void issue(`${path}.publicKey`, `must be a public key: it has private members ${privateMembers.join(', ')}`)
  if (problems.length > 0) return void issue(`${path}.publicKey`, problems.join('; '))
  return Object.freeze({ method: 'private_key_jwt', publicKey: Object.freeze({ ...(key as Jwk) }) })
}
