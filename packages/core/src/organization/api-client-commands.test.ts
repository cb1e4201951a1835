import { describe, expect, it } from 'vitest'
import { apiClientsOf, type ClientSecretHash, type OrganizationApiClient } from './api-client.ts'
import { rejectedChangeEvent } from './audit-event.ts'
import { applyCommand } from './commands.ts'
import type { OrganizationCommand } from './organization-command.ts'
import type { RuleViolationCode } from './rule-violation.ts'
import type { Actor, JwksValidationReceipt, Organization } from './types.ts'
import { alice, bob, makeOrg, now, orgId } from './organization.test-support.ts'

const hash1: ClientSecretHash = { algorithm: 'pbkdf2-sha256', iterations: 600000, salt: 'c2FsdDE', hash: 'SECRETHASHONE' }
const hash2: ClientSecretHash = { algorithm: 'pbkdf2-sha256', iterations: 600000, salt: 'c2FsdDI', hash: 'SECRETHASHTWO' }
const hash3: ClientSecretHash = { algorithm: 'pbkdf2-sha256', iterations: 600000, salt: 'c2FsdDM', hash: 'SECRETHASHTHREE' }
const jwksUrl = 'https://ci.example.com/jwks.json'
const receipt = (overrides: Partial<JwksValidationReceipt> = {}): JwksValidationReceipt => ({
  validationId: 'v1',
  orgId,
  jwksUrl,
  jwksCertificateValidation: true,
  trustedCertificates: [],
  validatedAt: now - 60,
  ...overrides,
})
const secretInput = (clientId = 'ci', extra: Record<string, unknown> = {}) => ({ clientId, name: `Client ${clientId}`, roles: ['ReadOnly'], authentication: { method: 'client_secret' }, ...extra })
const urlInput = (clientId = 'ci-url', extra: Record<string, unknown> = {}) => ({ clientId, name: `Client ${clientId}`, roles: ['Admin'], authentication: { method: 'private_key_jwt', jwksUrl }, ...extra })
const jwkInput = {
  clientId: 'ci-jwk',
  name: 'JWK client',
  roles: ['ReadOnly'],
  authentication: { method: 'private_key_jwt', publicKey: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } },
}

function accepted(org: Organization, command: OrganizationCommand, actor: Actor = alice, at = now) {
  const r = applyCommand(org, command, actor, at)
  if (!r.ok) throw new Error(`expected acceptance, got ${r.error.code}: ${r.error.message}`)
  return r.value
}
function refused(org: Organization, command: OrganizationCommand, actor: Actor = alice, at = now) {
  const r = applyCommand(org, command, actor, at)
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value.organization.apiClients)}`)
  return r.error
}

const base = makeOrg()
const withSecretClient = accepted(base, { type: 'add_api_client', client: secretInput(), receipt: undefined, secretHash: hash1 }).organization
const withTwo = accepted(withSecretClient, { type: 'add_api_client', client: urlInput(), receipt: receipt() }).organization

describe('API clients: documents stored before API clients existed', () => {
  it('read as an organization without clients, and accept a first client', () => {
    expect(base.apiClients).toBeUndefined()
    expect(apiClientsOf(base)).toEqual([])
    expect(apiClientsOf(withSecretClient).map((c) => c.clientId)).toEqual(['ci'])
  })
})

describe('API client commands: acceptances', () => {
  it('add keeps the secret hash only, with its creation time, and audits without it', () => {
    const out = accepted(base, { type: 'add_api_client', client: secretInput(), receipt: undefined, secretHash: hash1 })
    const client = apiClientsOf(out.organization)[0] as OrganizationApiClient
    expect(client).toEqual({
      clientId: 'ci',
      name: 'Client ci',
      description: '',
      enabled: true,
      roles: ['ReadOnly'],
      authentication: { method: 'client_secret', secrets: [{ hash: hash1, createdAt: now }] },
      createdAt: now,
      updatedAt: now,
    })
    expect(out.organization.revision).toBe(base.revision + 1)
    expect(out.events).toHaveLength(1)
    expect(out.events[0]).toMatchObject({ type: 'api_client_change', action: 'add_api_client', actor: 'alice', result: 'accepted', before: null })
    expect(out.events[0]?.after).toMatchObject({ authentication: { method: 'client_secret', secretCount: 1, secretsCreatedAt: [now] } })
    expect(JSON.stringify(out.events)).not.toContain('SECRETHASH')
  })

  it('add with a JWK public key needs no receipt', () => {
    const out = accepted(base, { type: 'add_api_client', client: jwkInput, receipt: undefined })
    expect(apiClientsOf(out.organization)[0]?.authentication).toMatchObject({ method: 'private_key_jwt', publicKey: { kty: 'EC' } })
  })

  it('rotate keeps the previous secret beside the new one, at most two; dropPrevious keeps only the new one', () => {
    const once = accepted(withSecretClient, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash2 }, alice, now + 10).organization
    expect(apiClientsOf(once)[0]?.authentication).toEqual({ method: 'client_secret', secrets: [{ hash: hash2, createdAt: now + 10 }, { hash: hash1, createdAt: now }] })
    const twice = accepted(once, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash3 }, alice, now + 20)
    expect(apiClientsOf(twice.organization)[0]?.authentication).toEqual({ method: 'client_secret', secrets: [{ hash: hash3, createdAt: now + 20 }, { hash: hash2, createdAt: now + 10 }] })
    const dropped = accepted(once, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash3, dropPrevious: true }, alice, now + 20)
    expect(apiClientsOf(dropped.organization)[0]?.authentication).toEqual({ method: 'client_secret', secrets: [{ hash: hash3, createdAt: now + 20 }] })
    expect(dropped.notices.map((n) => n.code)).toEqual(['may_disrupt_clients'])
    expect(JSON.stringify([...twice.events, ...dropped.events])).not.toContain('SECRETHASH')
  })

  it('edit keeps the secrets of a client that keeps client_secret, and createdAt; updatedAt moves', () => {
    const out = accepted(withSecretClient, { type: 'edit_api_client', clientId: 'ci', client: secretInput('ci', { roles: ['Admin'], description: 'nightly' }), receipt: undefined }, alice, now + 5)
    const client = apiClientsOf(out.organization)[0]
    expect(client).toMatchObject({ roles: ['Admin'], description: 'nightly', createdAt: now, updatedAt: now + 5 })
    expect(client?.authentication).toEqual({ method: 'client_secret', secrets: [{ hash: hash1, createdAt: now }] })
  })

  it('edit of a jwksUrl client that keeps its URL needs no new receipt; a new URL does', () => {
    accepted(withTwo, { type: 'edit_api_client', clientId: 'ci-url', client: urlInput('ci-url', { description: 'x' }), receipt: undefined })
    const moved = urlInput('ci-url', { authentication: { method: 'private_key_jwt', jwksUrl: 'https://other.example.com/jwks.json' } })
    expect(refused(withTwo, { type: 'edit_api_client', clientId: 'ci-url', client: moved, receipt: undefined }).code).toBe('validation_required')
    expect(refused(withTwo, { type: 'edit_api_client', clientId: 'ci-url', client: moved, receipt: receipt() }).code).toBe('validation_mismatch')
  })

  it('enable, disable and a repeated request (changed: false, no event)', () => {
    const off = accepted(withSecretClient, { type: 'disable_api_client', clientId: 'ci' })
    expect(apiClientsOf(off.organization)[0]?.enabled).toBe(false)
    expect(off.notices.map((n) => n.code)).toEqual(['clients_lose_access'])
    const again = accepted(off.organization, { type: 'disable_api_client', clientId: 'ci' })
    expect(again).toMatchObject({ changed: false, events: [] })
    expect(again.organization).toBe(off.organization)
    expect(apiClientsOf(accepted(off.organization, { type: 'enable_api_client', clientId: 'ci' }).organization)[0]?.enabled).toBe(true)
  })

  it('delete removes the client', () => {
    const out = accepted(withTwo, { type: 'delete_api_client', clientId: 'ci' })
    expect(apiClientsOf(out.organization).map((c) => c.clientId)).toEqual(['ci-url'])
    expect(out.events[0]).toMatchObject({ action: 'delete_api_client', after: null, before: { clientId: 'ci' } })
  })
})

describe('API client commands: refusals', () => {
  const suspended = { ...withTwo, suspension: { reason: 'terms_violation' as const, since: now - 1 } }
  const expired = { ...withTwo, subscriptionValidUntil: now }
  const table: [string, Organization, OrganizationCommand, Actor, RuleViolationCode, string?][] = [
    ['add without permission', base, { type: 'add_api_client', client: jwkInput, receipt: undefined }, bob, 'permission_denied'],
    ['disable without permission', withTwo, { type: 'disable_api_client', clientId: 'ci' }, bob, 'permission_denied'],
    ['add role without permission', base, { type: 'add_api_role', role: { name: 'X', categories: [] } }, bob, 'permission_denied'],
    ['add while suspended', suspended, { type: 'add_api_client', client: jwkInput, receipt: undefined }, alice, 'organization_suspended'],
    ['rotate while suspended', suspended, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash2 }, alice, 'organization_suspended'],
    ['delete role while expired', expired, { type: 'delete_api_role', name: 'ReadOnly' }, alice, 'subscription_expired'],
    ['enable while expired', expired, { type: 'enable_api_client', clientId: 'ci' }, alice, 'subscription_expired'],
    ['a role the organization lacks', base, { type: 'add_api_client', client: { ...jwkInput, roles: ['Root'] }, receipt: undefined }, alice, 'invalid_config', 'roles[0]'],
    ['a client ID outside the unreserved characters', base, { type: 'add_api_client', client: { ...jwkInput, clientId: 'a/b' }, receipt: undefined }, alice, 'invalid_config', 'clientId'],
    ['a name with punctuation', base, { type: 'add_api_client', client: { ...jwkInput, name: 'CI <script>' }, receipt: undefined }, alice, 'invalid_config', 'name'],
    ['a name over 64 characters', base, { type: 'add_api_client', client: { ...jwkInput, name: 'a'.repeat(65) }, receipt: undefined }, alice, 'invalid_config', 'name'],
    ['a description over 256 characters', base, { type: 'add_api_client', client: { ...jwkInput, description: 'é'.repeat(257) }, receipt: undefined }, alice, 'invalid_config', 'description'],
    ['a secret given in the input', base, { type: 'add_api_client', client: secretInput('x', { authentication: { method: 'client_secret', secrets: [{ hash: hash1 }] } }), receipt: undefined, secretHash: hash1 }, alice, 'invalid_config', 'authentication.secrets'],
    ['a private JWK', base, { type: 'add_api_client', client: { ...jwkInput, authentication: { method: 'private_key_jwt', publicKey: { ...jwkInput.authentication.publicKey, d: 'secret' } } }, receipt: undefined }, alice, 'invalid_config', 'authentication.publicKey'],
    ['two key sources', base, { type: 'add_api_client', client: { ...jwkInput, authentication: { method: 'private_key_jwt', jwksUrl, publicKey: jwkInput.authentication.publicKey } }, receipt: undefined }, alice, 'invalid_config', 'authentication'],
    ['a plain http JWKS URL', base, { type: 'add_api_client', client: urlInput('u', { authentication: { method: 'private_key_jwt', jwksUrl: 'http://ci.example.com/jwks.json' } }), receipt: undefined }, alice, 'invalid_config', 'authentication.jwksUrl'],
    ['a secret client without a secret hash', base, { type: 'add_api_client', client: secretInput(), receipt: undefined }, alice, 'invalid_command', 'secretHash'],
    ['a jwksUrl without a receipt', base, { type: 'add_api_client', client: urlInput(), receipt: undefined }, alice, 'validation_required', 'receipt'],
    ['a receipt of another organization', base, { type: 'add_api_client', client: urlInput(), receipt: receipt({ orgId: '999' }) }, alice, 'validation_mismatch', 'receipt.orgId'],
    ['a stale receipt', base, { type: 'add_api_client', client: urlInput(), receipt: receipt({ validatedAt: now - 901 }) }, alice, 'validation_expired', 'receipt.validatedAt'],
    ['a taken client ID', withTwo, { type: 'add_api_client', client: { ...jwkInput, clientId: 'ci' }, receipt: undefined }, alice, 'duplicate_client', 'clientId'],
    ['a taken name, other case', withTwo, { type: 'add_api_client', client: { ...jwkInput, name: 'CLIENT CI' }, receipt: undefined }, alice, 'duplicate_client', 'name'],
    ['edit of an unknown client', withTwo, { type: 'edit_api_client', clientId: 'nope', client: jwkInput, receipt: undefined }, alice, 'api_client_not_found', 'clientId'],
    ['edit that changes the client ID', withTwo, { type: 'edit_api_client', clientId: 'ci', client: secretInput('ci2'), receipt: undefined }, alice, 'invalid_config'],
    ['switching to client_secret without a hash', withTwo, { type: 'edit_api_client', clientId: 'ci-url', client: secretInput('ci-url', { name: 'Client ci-url' }), receipt: undefined }, alice, 'invalid_command', 'secretHash'],
    ['rotate of a private_key_jwt client', withTwo, { type: 'rotate_api_client_secret', clientId: 'ci-url', secretHash: hash2 }, alice, 'not_a_secret_client'],
    ['delete of an unknown client', withTwo, { type: 'delete_api_client', clientId: 'nope' }, alice, 'api_client_not_found'],
    ['a role with a bad name', base, { type: 'add_api_role', role: { name: 'a b', categories: [] } }, alice, 'invalid_config'],
    ['a role repeating a category', base, { type: 'add_api_role', role: { name: 'Auditor', categories: ['r', 'r'] } }, alice, 'invalid_config'],
    ['a role that exists, other case', base, { type: 'add_api_role', role: { name: 'readonly', categories: [] } }, alice, 'duplicate_role', 'name'],
    ['edit of an unknown role', base, { type: 'edit_api_role', name: 'Nope', role: { name: 'Nope', categories: [] } }, alice, 'api_role_not_found'],
    ['edit of an inherited name', base, { type: 'edit_api_role', name: 'toString', role: { name: 'toString', categories: [] } }, alice, 'api_role_not_found'],
    ['renaming a role clients hold', withTwo, { type: 'edit_api_role', name: 'Admin', role: { name: 'Owner', categories: [] } }, alice, 'role_in_use', 'name'],
    ['deleting a role clients hold', withTwo, { type: 'delete_api_role', name: 'ReadOnly' }, alice, 'role_in_use', 'name'],
  ]
  it.each(table)('%s → %s', (_name, org, command, actor, code, field) => {
    const violation = refused(org, command, actor)
    expect(violation.code).toBe(code)
    if (field !== undefined) expect(violation.field ?? violation.issues?.map((i) => i.path)).toEqual(violation.field === undefined ? expect.arrayContaining([field]) : field)
  })

  it('a refused command is audited as an API client change without the secret hash', () => {
    const command: OrganizationCommand = { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash2 }
    const violation = refused(suspended, command)
    const event = rejectedChangeEvent(suspended, command, alice, violation, now)
    expect(event).toMatchObject({ type: 'api_client_change', action: 'rotate_api_client_secret', result: 'rejected', before: { clientId: 'ci' } })
    expect(JSON.stringify(event)).not.toContain('SECRETHASH')
  })
})

describe('API role commands', () => {
  it('the in-use refusal lists every client holding the role, by name and ID', () => {
    const both = accepted(withTwo, { type: 'edit_api_client', clientId: 'ci-url', client: urlInput('ci-url', { roles: ['ReadOnly', 'Admin'] }), receipt: undefined }).organization
    const v = refused(both, { type: 'delete_api_role', name: 'ReadOnly' })
    expect(v.actual).toEqual(['ci', 'ci-url'])
    expect(v.message).toContain('"Client ci" (ci)')
    expect(v.message).toContain('"Client ci-url" (ci-url)')
    expect(v.status).toBe(409)
  })

  it('detachFromClients removes the role from those clients in the same change, audited per client', () => {
    const out = accepted(withTwo, { type: 'delete_api_role', name: 'ReadOnly', detachFromClients: true }, alice, now + 3)
    expect(Object.keys(out.organization.apiRoles)).toEqual(['Admin'])
    expect(apiClientsOf(out.organization).map((c) => [c.clientId, c.roles, c.updatedAt])).toEqual([
      ['ci', [], now + 3],
      ['ci-url', ['Admin'], now],
    ])
    expect(out.organization.revision).toBe(withTwo.revision + 1)
    expect(out.events.map((e) => [e.type, e.action])).toEqual([
      ['api_role_change', 'delete_api_role'],
      ['api_client_change', 'delete_api_role'],
    ])
    expect(out.notices.map((n) => n.code)).toEqual(['may_disrupt_clients'])
  })

  it('add, edit (categories and an unused rename) and delete an unused role', () => {
    const added = accepted(base, { type: 'add_api_role', role: { name: 'Auditor', categories: ['reports'] } })
    expect(added.organization.apiRoles.Auditor).toEqual(['reports'])
    expect(added.events[0]).toMatchObject({ type: 'api_role_change', before: null, after: { name: 'Auditor', categories: ['reports'] } })
    const edited = accepted(added.organization, { type: 'edit_api_role', name: 'Auditor', role: { name: 'Auditors', categories: ['reports', 'logs'] } })
    expect(edited.organization.apiRoles).toEqual({ ReadOnly: ['reports'], Admin: ['reports', 'policies'], Auditors: ['reports', 'logs'] })
    const same = accepted(edited.organization, { type: 'edit_api_role', name: 'Auditors', role: { name: 'Auditors', categories: ['reports', 'logs'] } })
    expect(same.changed).toBe(false)
    const deleted = accepted(edited.organization, { type: 'delete_api_role', name: 'Auditors' })
    expect(Object.keys(deleted.organization.apiRoles)).toEqual(['ReadOnly', 'Admin'])
    expect(deleted.organization.apiClients).toBeUndefined()
  })
})
