import type { ApiClientView, ApiRoleView } from '@tokenward/registry'
import { describe, expect, it } from 'vitest'
import { methodWords } from './api-clients.ts'
import { knownCategories } from './api-roles.ts'
import { methodOf } from './client-dialog.ts'

const base = { clientId: 'ci', name: 'CI', description: '', enabled: true, roles: [], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }
const secret = (n: number): ApiClientView['authentication'] => ({ method: 'client_secret', secrets: Array.from({ length: n }, () => ({ createdAt: base.createdAt })) })

describe('an API client’s authentication method, in the Add dialog’s words', () => {
  it.each([
    [{ method: 'private_key_jwt', jwksUrl: 'https://ci.example.com/jwks' }, 'JWKS URL', 'jwks'],
    [{ method: 'private_key_jwt', certificate: '-----BEGIN CERTIFICATE-----' }, 'Certificate', 'certificate'],
    [{ method: 'private_key_jwt', publicKey: '-----BEGIN PUBLIC KEY-----' }, 'Public Key', 'publicKey'],
    [{ method: 'private_key_jwt', publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } }, 'Public Key', 'publicKey'],
    [secret(1), 'Client Secret', 'secret'],
    [secret(2), 'Client Secret (2 secrets)', 'secret'],
  ] as const)('%j → %s', (authentication, words, method) => {
    const view = { ...base, authentication } as ApiClientView
    expect(methodWords(view)).toBe(words)
    expect(methodOf(view)).toBe(method)
  })
})

describe('the categories the role dialog offers', () => {
  const role = (name: string, categories: string[]): ApiRoleView => ({ name, categories, clients: [] })
  it.each([
    [[], []],
    [[role('A', ['reports', 'policies']), role('B', ['reports', 'audit'])], ['audit', 'policies', 'reports']],
    [[role('Empty', [])], []],
  ])('%j → %j (each once, sorted)', (roles, expected) => {
    expect(knownCategories(roles)).toEqual(expected)
  })
})
