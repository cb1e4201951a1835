/**
 * Verifier options, checked once when a verifier is built: every bad field named by its path.
 * Pure: no I/O, no runtime.
 *
 * @module
 */
import { isResourceMetadataUrl } from '../metadata/protected-resource-metadata.ts'
import { validateAuthorizationServer, type AuthorizationServerConfig } from '../config/authorization-server.ts'
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { checkAddressPolicy } from '../network/address-policy.ts'
import { checkOrgId } from '../organization/org-id.ts'
import type { Result } from '../result.ts'
import { isApiResourceTable } from '../scope/api-resource-table.ts'
import type { OrganizationAccess, VerifierOptions } from './types.ts'

/** Checked verifier options with defaults applied. */
export interface ResolvedVerifierOptions {
  readonly server: AuthorizationServerConfig
  readonly organization: OrganizationAccess | undefined
  readonly cacheMaxEntries: number
  readonly options: VerifierOptions
}

/**
 * Validates verifier options, naming every bad field by its path, without throwing.
 *
 * @example
 * ```ts
 * const r = resolveVerifierOptions({ server: { name: 'Okta1', jwksUrl: 'https://idp/keys' } })
 * if (!r.ok) console.log(r.error.issues)
 * ```
 */
export function resolveVerifierOptions(options: VerifierOptions): Result<ResolvedVerifierOptions, ConfigError> {
  const issues: ConfigIssue[] = []
  if (typeof options !== 'object' || options === null) return { ok: false, error: new ConfigError([{ path: '', message: 'options must be an object' }]) }
  const server = validateAuthorizationServer(options.server)
  if (!server.ok) for (const i of server.issues) issues.push({ path: i.path === '' ? 'server' : `server.${i.path}`, message: i.message })

  const org = options.organization
  if (org !== undefined) {
    if (typeof org !== 'object' || org === null) issues.push({ path: 'organization', message: 'must be an object' })
    else {
      for (const key of ['cloud', 'cloudDomain'] as const) {
        const v = org[key]
        if (typeof v !== 'string' || !/^[^\s:]+$/.test(v)) issues.push({ path: `organization.${key}`, message: 'must be a non-empty string without spaces or colons' })
      }
      // The one organization-ID rule, shared with the resolver and the stores.
      const orgIdProblem = checkOrgId(org.orgId)
      if (orgIdProblem !== undefined) issues.push({ path: 'organization.orgId', message: orgIdProblem })
      if (!Array.isArray(org.apiRoles)) issues.push({ path: 'organization.apiRoles', message: 'must be an array of role names' })
      else
        org.apiRoles.forEach((r: unknown, i) => {
          if (typeof r !== 'string' || !/^[^\s:]+$/.test(r)) issues.push({ path: `organization.apiRoles[${i}]`, message: 'must be a role name without spaces or colons' })
        })
      const categories: unknown = org.apiRoleCategories
      if (categories !== undefined) {
        if (typeof categories !== 'object' || categories === null || Array.isArray(categories)) issues.push({ path: 'organization.apiRoleCategories', message: 'must be an object of role name to API resource categories' })
        else
          for (const [role, list] of Object.entries(categories)) {
            if (!Array.isArray(list) || list.some((c: unknown) => typeof c !== 'string' || c === '')) {
              issues.push({ path: `organization.apiRoleCategories[${JSON.stringify(role)}]`, message: 'must be an array of API resource category names' })
            }
          }
      }
    }
  }
  if (options.resources !== undefined) {
    if (!isApiResourceTable(options.resources)) issues.push({ path: 'resources', message: 'must be a table built by defineApiResources' })
    if (options.organization === undefined || options.organization?.apiRoleCategories === undefined) {
      issues.push({ path: 'organization.apiRoleCategories', message: 'is needed with resources: the API resource categories each role grants' })
    }
  }

  if (options.profile !== undefined && options.profile !== 'access_token' && options.profile !== 'client_assertion') issues.push({ path: 'profile', message: 'must be "access_token" or "client_assertion"' })
  if (options.profile === 'client_assertion' && options.organization !== undefined) issues.push({ path: 'organization', message: 'a client_assertion verifier checks no API roles' })
  let cacheMaxEntries = 10_000
  if (options.cache === false) cacheMaxEntries = 0
  else if (options.cache !== undefined) {
    const max = options.cache.maxEntries
    if (max !== undefined) {
      if (!Number.isInteger(max) || max < 1 || max > 10_000_000) issues.push({ path: 'cache.maxEntries', message: 'must be an integer from 1 to 10000000 (use cache: false to turn the cache off)' })
      else cacheMaxEntries = max
    }
  }

  const jwks = options.jwks ?? {}
  const numeric: [keyof typeof jwks, number, number][] = [
    ['timeoutMs', 1, 120_000],
    ['maxBytes', 1024, 16 * 1024 * 1024],
    ['minMaxAgeSeconds', 0, 86_400 * 7],
    ['maxMaxAgeSeconds', 1, 86_400 * 30],
    ['defaultMaxAgeSeconds', 1, 86_400 * 30],
    ['refreshAheadSeconds', 0, 86_400],
    ['unknownKidCooldownSeconds', 0, 86_400],
    ['revalidatedUnknownKidCooldownSeconds', 0, 86_400],
    ['failureCooldownSeconds', 0, 86_400],
    ['maxStaleSeconds', 0, 86_400 * 30],
  ]
  for (const [key, min, max] of numeric) {
    const v = jwks[key]
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) {
      issues.push({ path: `jwks.${key}`, message: `must be a number from ${min} to ${max}` })
    }
  }
  if (jwks.addressPolicy !== undefined && jwks.addressPolicy !== null) {
    const policy = checkAddressPolicy(jwks.addressPolicy, 'jwks.addressPolicy')
    if (!policy.ok) issues.push(...policy.issues)
  }
  const introspection = options.introspection ?? {}
  for (const [key, min, max] of [['timeoutMs', 1, 120_000], ['maxBytes', 256, 1_048_576]] as const) {
    const v = introspection[key]
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) issues.push({ path: `introspection.${key}`, message: `must be a number from ${min} to ${max}` })
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') issues.push({ path: 'onEvent', message: 'must be a function' })
  if (options.realm !== undefined && typeof options.realm !== 'string') issues.push({ path: 'realm', message: 'must be a string' })
  if (options.resourceMetadataUrl !== undefined && !isResourceMetadataUrl(options.resourceMetadataUrl)) {
    issues.push({ path: 'resourceMetadataUrl', message: 'must be an absolute https: URL (http: only on a loopback host), without credentials or fragment' })
  }

  if (issues.length > 0 || !server.ok) return { ok: false, error: new ConfigError(issues) }
  return { ok: true, value: { server: server.config, organization: org, cacheMaxEntries, options } }
}

