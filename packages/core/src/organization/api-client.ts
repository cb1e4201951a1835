/**
 * API clients of an organization (OneAPI): the callers the built-in issuer mints tokens for. Plain
 * JSON-compatible data kept in the organization document, so every store persists it unchanged;
 * documents stored before clients existed have no `apiClients` member and read as none.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import { checkJwksUrl } from '../config/authorization-server.ts'
import type { Jwk } from '../jose/jwk.ts'
import { keyProblems } from '../keys/usable-key.ts'
import type { Organization } from './types.ts'

/**
 * A slow hash of a client secret with every parameter needed to check it again (the shape
 * `@tokenward/issuer`'s secret hashers produce: scrypt or PBKDF2-SHA-256). Never the secret.
 *
 * @example
 * ```ts
 * const hash: ClientSecretHash = { algorithm: 'pbkdf2-sha256', iterations: 600000, salt: 'c2FsdA', hash: 'aGFzaA' }
 * ```
 */
export interface ClientSecretHash {
  readonly algorithm: string
  readonly [parameter: string]: string | number
}

/**
 * One stored client secret: its hash and when it was created (seconds since the epoch).
 *
 * @example
 * ```ts
 * const stored: StoredClientSecret = { hash, createdAt: 1_760_000_000 }
 * ```
 */
export interface StoredClientSecret {
  readonly hash: ClientSecretHash
  readonly createdAt: number
}

/**
 * How an API client authenticates at the token endpoint: a JWT signed with its private key (the
 * public key from a JWKS URL, a PEM certificate, or a PEM SPKI / JWK public key), or a client
 * secret (newest first, at most two while a secret is rotated).
 *
 * @example
 * ```ts
 * const byUrl: ApiClientAuthentication = { method: 'private_key_jwt', jwksUrl: 'https://ci.example.com/jwks.json' }
 * ```
 */
export type ApiClientAuthentication =
  | { readonly method: 'private_key_jwt'; readonly jwksUrl: string }
  | { readonly method: 'private_key_jwt'; readonly certificate: string }
  | { readonly method: 'private_key_jwt'; readonly publicKey: string | Jwk }
  | { readonly method: 'client_secret'; readonly secrets: readonly StoredClientSecret[] }

/**
 * An API client as stored in its organization.
 *
 * @example
 * ```ts
 * const client: OrganizationApiClient = {
 *   clientId: 'ci-pipeline', name: 'CI pipeline', description: '', enabled: true, roles: ['ReadOnly'],
 *   authentication: { method: 'private_key_jwt', jwksUrl: 'https://ci.example.com/jwks.json' },
 *   createdAt: 1_760_000_000, updatedAt: 1_760_000_000,
 * }
 * ```
 */
export interface OrganizationApiClient {
  /** 1–128 URL-unreserved ASCII characters (`A–Z a–z 0–9 . _ ~ -`), unique in the organization. */
  readonly clientId: string
  /** 1–64 letters, digits, spaces, `.`, `_`, `-`; unique in the organization without regard to case. */
  readonly name: string
  /** At most 256 characters. */
  readonly description: string
  /** A disabled client gets no tokens. */
  readonly enabled: boolean
  /** Names of the organization's API roles this client may be granted. */
  readonly roles: readonly string[]
  readonly authentication: ApiClientAuthentication
  /** Seconds since the epoch. */
  readonly createdAt: number
  /** Seconds since the epoch. */
  readonly updatedAt: number
}

/**
 * An API client as an admin submits it: `clientId` may be left out when adding (one is generated
 * by the caller), and a `client_secret` client names only the method (the secret is generated).
 *
 * @example
 * ```ts
 * const input: ApiClientInput = { name: 'CI pipeline', roles: ['ReadOnly'], authentication: { method: 'client_secret' } }
 * ```
 */
export interface ApiClientInput {
  readonly clientId: string
  readonly name: string
  readonly description: string
  readonly enabled: boolean | undefined
  readonly roles: readonly string[]
  readonly authentication:
    | { readonly method: 'private_key_jwt'; readonly jwksUrl: string }
    | { readonly method: 'private_key_jwt'; readonly certificate: string }
    | { readonly method: 'private_key_jwt'; readonly publicKey: string | Jwk }
    | { readonly method: 'client_secret' }
}

/**
 * The most API clients one organization may have.
 *
 * @example
 * ```ts
 * if (apiClientsOf(org).length >= maxApiClients) hideAddButton()
 * ```
 */
export const maxApiClients = 100

/**
 * The most secrets a `client_secret` client holds at once (the new one and the previous one while
 * a rotation is under way).
 *
 * @example
 * ```ts
 * client.authentication.secrets.length <= maxClientSecrets // always
 * ```
 */
export const maxClientSecrets = 2

const clientIdPattern = /^[A-Za-z0-9._~-]{1,128}$/
const clientNamePattern = /^[\p{L}\p{N}](?:[\p{L}\p{N} ._-]{0,62}[\p{L}\p{N}._-])?$/u
const maxDescriptionLength = 256
const pemCertificate = /^\s*-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END CERTIFICATE-----\s*$/
const pemPublicKey = /^\s*-----BEGIN PUBLIC KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PUBLIC KEY-----\s*$/
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const inputFields = new Set(['clientId', 'name', 'description', 'enabled', 'roles', 'authentication'])

/**
 * The organization's API clients; `[]` for a document stored before API clients existed.
 *
 * @example
 * ```ts
 * apiClientsOf(org).filter((c) => c.enabled).map((c) => c.clientId)
 * ```
 */
export function apiClientsOf(org: Organization): readonly OrganizationApiClient[] {
  return Array.isArray(org.apiClients) ? org.apiClients : []
}

/**
 * True when `clientId` is a valid client ID: 1–128 URL-unreserved ASCII characters, so every
 * client can be addressed by the admin API's raw-path rules (no percent-escapes), and not `.` or `..`.
 *
 * @example
 * ```ts
 * isClientId('ci-pipeline') // true
 * isClientId('a/b') // false
 * ```
 */
export function isClientId(clientId: unknown): clientId is string {
  return typeof clientId === 'string' && clientIdPattern.test(clientId) && clientId !== '.' && clientId !== '..'
}

/**
 * Checks an API client as submitted (JSON) and returns a clean copy, or every bad field by path.
 * Roles are checked against `apiRoles` (the organization's role names). Secrets and hashes are
 * never accepted from input: a `client_secret` client gives only `{ method: 'client_secret' }`.
 *
 * @example
 * ```ts
 * validateApiClientInput({ clientId: 'ci', name: 'CI', roles: ['Nope'], authentication: { method: 'client_secret' } }, ['ReadOnly'])
 * // { ok: false, issues: [{ path: 'roles[0]', message: 'is not an API role of this organization (ReadOnly)' }] }
 * ```
 */
export function validateApiClientInput(
  input: unknown,
  apiRoles: readonly string[],
): { readonly ok: true; readonly client: ApiClientInput } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, issues: [{ path: '', message: 'must be an object' }] }
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string): void => void issues.push({ path, message })
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) if (!inputFields.has(key)) issue(key, 'unknown field')
  if (!isClientId(o.clientId)) issue('clientId', 'must be 1 to 128 characters from A-Z a-z 0-9 . _ ~ -')
  if (typeof o.name !== 'string' || !clientNamePattern.test(o.name)) {
    issue('name', 'must be 1 to 64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit and not ending with a space')
  }
  if (o.description !== undefined && (typeof o.description !== 'string' || [...o.description].length > maxDescriptionLength)) {
    issue('description', `must be a string of at most ${maxDescriptionLength} characters`)
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') issue('enabled', 'must be true or false')
  if (!Array.isArray(o.roles)) issue('roles', 'must be an array of API role names')
  else {
    o.roles.forEach((role: unknown, i) => {
      if (typeof role !== 'string' || !apiRoles.includes(role)) issue(`roles[${i}]`, `is not an API role of this organization (${apiRoles.join(', ') || 'none defined'})`)
    })
    if (new Set(o.roles).size !== o.roles.length) issue('roles', 'must not repeat a role')
  }
  const authentication = checkAuthentication(o.authentication, issue)
  if (issues.length > 0 || authentication === undefined) return { ok: false, issues }
  return {
    ok: true,
    client: {
      clientId: o.clientId as string,
      name: o.name as string,
      description: (o.description as string | undefined) ?? '',
      enabled: o.enabled as boolean | undefined,
      roles: [...(o.roles as string[])],
      authentication,
    },
  }
}

function checkAuthentication(value: unknown, issue: (path: string, message: string) => void): ApiClientInput['authentication'] | undefined {
  const path = 'authentication'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return void issue(path, 'is required: { method, … }')
  const a = value as Record<string, unknown>
  if (a.method === 'client_secret') {
    for (const key of Object.keys(a)) {
      if (key === 'method') continue
      issue(`${path}.${key}`, key === 'secrets' || /secret|hash/i.test(key) ? 'secrets are generated by the registry and shown once; give only { method: "client_secret" }' : 'unknown field')
    }
    return { method: 'client_secret' }
  }
  if (a.method !== 'private_key_jwt') return void issue(`${path}.method`, 'must be "private_key_jwt" or "client_secret"')
  const sourceNames = ['jwksUrl', 'certificate', 'publicKey'] as const
  for (const key of Object.keys(a)) if (key !== 'method' && !(sourceNames as readonly string[]).includes(key)) issue(`${path}.${key}`, 'unknown field')
  const sources = sourceNames.filter((k) => a[k] !== undefined)
  if (sources.length !== 1) return void issue(path, 'give exactly one of jwksUrl, certificate or publicKey')
  const source = sources[0] as (typeof sourceNames)[number]
  if (source === 'jwksUrl') {
    const problem = checkJwksUrl(a.jwksUrl)
    if (problem !== undefined) return void issue(`${path}.jwksUrl`, problem)
    return { method: 'private_key_jwt', jwksUrl: new URL(a.jwksUrl as string).href }
  }
  if (source === 'certificate') {
    const pem = a.certificate
    if (typeof pem === 'string' && /PRIVATE KEY-----/.test(pem)) return void issue(`${path}.certificate`, 'contains a private key: paste only the certificate, and consider the private key exposed')
    if (typeof pem !== 'string' || pem.length > 65_536 || !pemCertificate.test(pem)) return void issue(`${path}.certificate`, 'must be one PEM certificate (-----BEGIN CERTIFICATE----- …) and nothing else')
    return { method: 'private_key_jwt', certificate: pem }
  }
  const key = a.publicKey
  if (typeof key === 'string') {
    if (/PRIVATE KEY-----/.test(key)) return void issue(`${path}.publicKey`, 'contains a private key: paste only the public key, and consider the private key exposed')
    if (key.length > 65_536 || !pemPublicKey.test(key)) return void issue(`${path}.publicKey`, 'must be a PEM public key (-----BEGIN PUBLIC KEY----- …) or a JWK')
    return { method: 'private_key_jwt', publicKey: key }
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key) || typeof (key as { kty?: unknown }).kty !== 'string') {
    return void issue(`${path}.publicKey`, 'must be a PEM public key (-----BEGIN PUBLIC KEY----- …) or a JWK')
  }
  const privateMembers = privateJwkMembers.filter((m) => m in key)
  if (privateMembers.length > 0) return void issue(`${path}.publicKey`, `must be a public key: it has private members ${privateMembers.join(', ')}`)
  const problems = keyProblems(key as Jwk)
  if (problems.length > 0) return void issue(`${path}.publicKey`, problems.join('; '))
  return { method: 'private_key_jwt', publicKey: { ...(key as Jwk) } }
}
