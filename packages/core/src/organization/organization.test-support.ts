// Test support for the organization rules: an organization, server configs, actors and receipts.
// Not part of the package (excluded from builds).
import { defineAuthorizationServer, type AuthorizationServerConfig } from '../config/authorization-server.ts'
import { apiKeyManagementPermission, type Actor, type JwksValidationReceipt, type Organization } from './types.ts'

export const now = 1_700_000_000
export const orgId = '12345'

export const caA = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUAAAAAAAAAAAAAAAAAAAAAAAAAAAwCgYIKoZIzj0EAwIwAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQ0Fw==\n-----END CERTIFICATE-----\n'
export const caB = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUBBBBBBBBBBBBBBBBBBBBBBBBBBBwCgYIKoZIzj0EAwIwBBBB\nBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBZZZZ==\n-----END CERTIFICATE-----\n'

export const alice: Actor = { id: 'alice', permissions: [apiKeyManagementPermission] }
export const bob: Actor = { id: 'bob', permissions: ['read_only'] }
export const operator: Actor = { id: 'operator', permissions: [] }

/** A raw config with a remote JWKS (needs a receipt). */
export const remote = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  jwksUrl: `https://${name.toLowerCase()}.example.com/oauth2/v1/keys`,
  issuer: `https://${name.toLowerCase()}.example.com`,
  audience: 'api://tokenward',
  clientId: 'client1',
  ...extra,
})

/** A raw config with inline keys (needs no receipt). */
export const inline = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] },
  issuer: `https://${name.toLowerCase()}.example.com`,
  audience: 'api://tokenward',
  clientId: 'client1',
  ...extra,
})

export const configOf = (input: Record<string, unknown>): AuthorizationServerConfig => defineAuthorizationServer(input)

/** A receipt that matches `input` exactly, validated a minute before `at`. */
export const receiptFor = (input: Record<string, unknown>, overrides: Partial<JwksValidationReceipt> = {}, at = now): JwksValidationReceipt => {
  const config = configOf(input)
  return {
    validationId: 'v1',
    orgId,
    ...(config.jwksUrl === undefined ? {} : { jwksUrl: config.jwksUrl }),
    ...(config.introspection === undefined
      ? {}
      : {
          introspection: {
            endpoint: config.introspection.endpoint ?? 'https://as.example/introspect',
            clientId: config.introspection.clientId,
            authMethod: config.introspection.clientAuthentication.method,
          },
        }),
    jwksCertificateValidation: config.jwksCertificateValidation,
    trustedCertificates: config.trustedCertificates,
    validatedAt: at - 60,
    ...overrides,
  }
}

/** An active organization (subscription valid for a year) with the given servers. */
export const makeOrg = (servers: readonly AuthorizationServerConfig[] = [], extra: Partial<Organization> = {}): Organization =>
  deepFreeze({
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
    subscriptionValidUntil: now + 365 * 86400,
    suspension: undefined,
    authorizationServers: servers,
    revision: 7,
    ...extra,
  })

/** Okta1 enabled (remote), Entra1 disabled (inline). */
export const okta1 = configOf(remote('Okta1'))
export const entra1 = configOf(inline('Entra1', { enabled: false }))

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
