import { describe, expect, it } from 'vitest'
import { defineApiClient, validateApiClient } from './api-client.ts'

const hash = { algorithm: 'pbkdf2-sha256', iterations: 600_000, salt: 'c2FsdHNhbHRzYWx0c2FsdA', hash: 'aGFzaGhhc2hoYXNoaGFzaA' } as const

describe('validateApiClient', () => {
  it('fills defaults and freezes the client', () => {
    const client = defineApiClient({ clientId: 'reporting:v1', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://keys.example.com/jwks.json' } })
    expect(client).toEqual({ clientId: 'reporting:v1', name: 'reporting:v1', description: '', enabled: true, roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: 'https://keys.example.com/jwks.json' } })
    expect(Object.isFrozen(client)).toBe(true)
  })

  it.each([
    ['a client ID with a space', { clientId: 'a b' }, 'clientId'],
    ['a client ID with non-ASCII', { clientId: 'clíent' }, 'clientId'],
    ['an empty client ID', { clientId: '' }, 'clientId'],
    ['a role with "::"', { roles: ['a::b'] }, 'roles[0]'],
    ['a repeated role', { roles: ['A', 'A'] }, 'roles'],
    ['two key sources', { authentication: { method: 'private_key_jwt', jwksUrl: 'https://k.example.com/j', publicKey: '-----BEGIN PUBLIC KEY-----' } }, 'authentication'],
    ['no key source', { authentication: { method: 'private_key_jwt' } }, 'authentication'],
    ['plain http JWKS off loopback', { authentication: { method: 'private_key_jwt', jwksUrl: 'http://keys.example.com/jwks' } }, 'authentication.jwksUrl'],
    ['a private JWK', { authentication: { method: 'private_key_jwt', publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' } } }, 'authentication.publicKey'],
    ['a plain secret', { authentication: { method: 'client_secret', clientSecret: 'hunter2', secretHashes: [hash] } }, 'authentication.clientSecret'],
    ['three secret hashes', { authentication: { method: 'client_secret', secretHashes: [hash, hash, hash] } }, 'authentication.secretHashes'],
    ['a weak scrypt hash', { authentication: { method: 'client_secret', secretHashes: [{ algorithm: 'scrypt', N: 1024, r: 8, p: 1, salt: 'c2FsdA', hash: 'aGFzaA' }] } }, 'authentication.secretHashes[0]'],
    ['an unknown method', { authentication: { method: 'tls_client_auth' } }, 'authentication.method'],
    ['an unknown field', { scopes: [] }, 'scopes'],
  ])('names the bad field: %s', (_name, patch, path) => {
    const r = validateApiClient({ clientId: 'c', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [hash] }, ...patch })
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain(path)
  })
})
