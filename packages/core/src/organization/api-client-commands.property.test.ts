import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { apiClientsOf, type ClientSecretHash } from './api-client.ts'
import { applyCommand } from './commands.ts'
import type { OrganizationCommand } from './organization-command.ts'
import type { Organization } from './types.ts'
import { alice, bob, makeOrg, now } from './organization.test-support.ts'

// Random sequences of API client and API role commands by an admin (and a reader), each step
// checked against the invariants of the model.
const ids = ['ci', 'batch', 'x.y']
const roles = ['ReadOnly', 'Admin', 'Auditor', 'Ops']
const hashOf = (n: number): ClientSecretHash => ({ algorithm: 'pbkdf2-sha256', iterations: 10_000, salt: `salt${n}`, hash: `SECRETHASH${n}` })
const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }

const command: fc.Arbitrary<(n: number) => OrganizationCommand> = fc.oneof(
  fc
    .record({ id: fc.constantFrom(...ids), name: fc.constantFrom('CI', 'ci', 'Batch', 'Nightly job'), roles: fc.subarray(['ReadOnly', 'Admin', 'Auditor']), secret: fc.boolean(), enabled: fc.option(fc.boolean(), { nil: undefined }) })
    .map((c) => (n: number): OrganizationCommand => ({
      type: 'add_api_client',
      client: { clientId: c.id, name: c.name, roles: c.roles, ...(c.enabled === undefined ? {} : { enabled: c.enabled }), authentication: c.secret ? { method: 'client_secret' } : { method: 'private_key_jwt', publicKey: jwk } },
      receipt: undefined,
      secretHash: hashOf(n),
    })),
  fc
    .record({ id: fc.constantFrom(...ids), roles: fc.subarray(['ReadOnly', 'Admin', 'Auditor']), secret: fc.boolean() })
    .map((c) => (n: number): OrganizationCommand => ({
      type: 'edit_api_client',
      clientId: c.id,
      client: { name: `Edited ${c.id.replace('.', '')}`, roles: c.roles, authentication: c.secret ? { method: 'client_secret' } : { method: 'private_key_jwt', publicKey: jwk } },
      receipt: undefined,
      secretHash: hashOf(n),
    })),
  fc.record({ id: fc.constantFrom(...ids), drop: fc.boolean() }).map((c) => (n: number): OrganizationCommand => ({ type: 'rotate_api_client_secret', clientId: c.id, secretHash: hashOf(n), dropPrevious: c.drop })),
  fc.record({ id: fc.constantFrom(...ids), type: fc.constantFrom('enable_api_client' as const, 'disable_api_client' as const, 'delete_api_client' as const) }).map((c) => () => ({ type: c.type, clientId: c.id })),
  fc.record({ name: fc.constantFrom(...roles), categories: fc.subarray(['reports', 'policies', 'logs']) }).map((r) => () => ({ type: 'add_api_role' as const, role: r })),
  fc.record({ name: fc.constantFrom(...roles), to: fc.constantFrom(...roles), categories: fc.subarray(['reports', 'logs']) }).map((r) => () => ({ type: 'edit_api_role' as const, name: r.name, role: { name: r.to, categories: r.categories } })),
  fc.record({ name: fc.constantFrom(...roles), detach: fc.boolean() }).map((r) => () => ({ type: 'delete_api_role' as const, name: r.name, detachFromClients: r.detach })),
)

function checkInvariants(org: Organization): void {
  const clients = apiClientsOf(org)
  expect(new Set(clients.map((c) => c.clientId)).size).toBe(clients.length)
  expect(new Set(clients.map((c) => c.name.toLowerCase())).size).toBe(clients.length)
  for (const c of clients) {
    for (const role of c.roles) expect(Object.hasOwn(org.apiRoles, role)).toBe(true)
    if (c.authentication.method === 'client_secret') {
      expect(c.authentication.secrets.length).toBeGreaterThanOrEqual(1)
      expect(c.authentication.secrets.length).toBeLessThanOrEqual(2)
    }
    expect(c.updatedAt).toBeGreaterThanOrEqual(c.createdAt)
  }
}

describe('API client and role commands: properties over random sequences', () => {
  const changedByType = new Map<string, number>()
  it('keep every invariant; audit records never hold a hash; refusals change nothing; revisions move by one per change', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(command, fc.integer({ min: 0, max: 9 }).map((n) => n !== 0)), { minLength: 8, maxLength: 30 }), (steps) => {
        let org: Organization = makeOrg([], { apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } })
        steps.forEach(([build, asAdmin], i) => {
          const before = org
          const r = applyCommand(org, build(i), asAdmin ? alice : bob, now + i)
          if (!asAdmin) expect(r.ok ? 'accepted' : r.error.code).toBe('permission_denied')
          if (!r.ok) {
            expect(org).toBe(before)
            return
          }
          const out = r.value
          expect(JSON.stringify(out.events)).not.toContain('SECRETHASH')
          if (out.changed) {
            const type = build(i).type
            changedByType.set(type, (changedByType.get(type) ?? 0) + 1)
            expect(out.organization.revision).toBe(before.revision + 1)
            expect(out.events.length).toBeGreaterThan(0)
          } else {
            expect(out.organization).toBe(before)
            expect(out.events).toEqual([])
          }
          org = out.organization
          checkInvariants(org)
        })
      }),
      { numRuns: 200 },
    )
    // The sequences reach every command, accepted, not only refusals.
    expect([...changedByType.keys()].sort()).toEqual(
      ['add_api_client', 'add_api_role', 'delete_api_client', 'delete_api_role', 'disable_api_client', 'edit_api_client', 'edit_api_role', 'enable_api_client', 'rotate_api_client_secret'],
    )
  })
})
