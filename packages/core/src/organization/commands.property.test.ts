import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rejectedChangeEvent } from './audit-event.ts'
import { applyCommand } from './commands.ts'
import { isServerCommandType, type OrganizationCommand } from './organization-command.ts'
import { activeServer, isSubscriptionExpired } from './status.ts'
import { systemActor } from './system-actor.ts'
import type { Actor, JwksValidationReceipt, Organization } from './types.ts'
import { alice, bob, caA, deepFreeze, inline, makeOrg, now, orgId, receiptFor, remote } from './organization.test-support.ts'

// Commands are generated as specs and built at the time they are applied, so receipts can be
// fresh, stale or from the future relative to that step's clock.
const names = ['A', 'B', 'C', 'a'] as const
const enabledFlag = fc.constantFrom<boolean | undefined>(true, false, undefined)
const receiptKind = fc.constantFrom('valid', 'valid', 'valid', 'missing', 'other_url', 'other_org', 'tls_off', 'other_cas', 'stale', 'future')
const configSpec = fc.record({
  name: fc.constantFrom(...names),
  remote: fc.boolean(),
  enabled: enabledFlag,
  withCa: fc.boolean(),
  invalid: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
})
const commandSpec = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('add_server' as const), config: configSpec, receipt: receiptKind }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('edit_server' as const), name: fc.constantFrom(...names), config: configSpec, receipt: receiptKind }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('delete_server' as const), name: fc.constantFrom(...names) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('enable_server' as const), name: fc.constantFrom(...names), switchFromEnabled: fc.option(fc.boolean(), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('disable_server' as const), name: fc.constantFrom(...names) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('suspend' as const), reason: fc.constantFrom('api_call_threshold_exceeded' as const, 'terms_violation' as const) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('lift_suspension' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('renew_subscription' as const), delta: fc.integer({ min: -2000, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('set_api_roles' as const), roles: fc.constantFrom({ ReadOnly: ['reports'] }, { ReadOnly: ['reports'], Admin: ['all'] }, { 'bad role': ['x'] }) }) },
)
type CommandSpec = typeof commandSpec extends fc.Arbitrary<infer T> ? T : never
type ConfigSpec = typeof configSpec extends fc.Arbitrary<infer T> ? T : never

const step = fc.record({
  dt: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 120 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }) }),
  actor: fc.oneof({ weight: 8, arbitrary: fc.constant<Actor>(alice) }, fc.constant<Actor>(bob), fc.constant<Actor>(systemActor)),
  spec: commandSpec,
})

function rawConfig(c: ConfigSpec): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  if (c.enabled !== undefined) extra.enabled = c.enabled
  if (c.remote && c.withCa) extra.trustedCertificates = [caA]
  if (c.invalid) extra.algorithms = ['none']
  return c.remote ? remote(c.name, extra) : inline(c.name, extra)
}

function receipt(kind: string, input: Record<string, unknown>, t: number): JwksValidationReceipt | undefined {
  if (kind === 'missing' || input.algorithms !== undefined || input.jwksUrl === undefined) return undefined
  const good = receiptFor(input, {}, t)
  switch (kind) {
    case 'other_url':
      return { ...good, jwksUrl: 'https://elsewhere.example.com/keys' }
    case 'other_org':
      return { ...good, orgId: `${orgId}9` }
    case 'tls_off':
      return { ...good, jwksCertificateValidation: !good.jwksCertificateValidation }
    case 'other_cas':
      return { ...good, trustedCertificates: good.trustedCertificates.length === 0 ? [caA] : [] }
    case 'stale':
      return { ...good, validatedAt: t - 901 }
    case 'future':
      return { ...good, validatedAt: t + 5 }
    default:
      return good
  }
}

function build(spec: CommandSpec, org: Organization, t: number): OrganizationCommand {
  switch (spec.type) {
    case 'add_server': {
      const server = rawConfig(spec.config)
      return { type: 'add_server', server, receipt: receipt(spec.receipt, server, t) }
    }
    case 'edit_server': {
      const server = rawConfig(spec.config)
      return { type: 'edit_server', name: spec.name, server, receipt: receipt(spec.receipt, server, t) }
    }
    case 'enable_server':
      return spec.switchFromEnabled === undefined ? { type: spec.type, name: spec.name } : { type: spec.type, name: spec.name, switchFromEnabled: spec.switchFromEnabled }
    case 'delete_server':
    case 'disable_server':
      return { type: spec.type, name: spec.name }
    case 'suspend':
      return { type: 'suspend', reason: spec.reason }
    case 'lift_suspension':
      return { type: 'lift_suspension' }
    case 'renew_subscription':
      return { type: 'renew_subscription', validUntil: Math.max(0, org.subscriptionValidUntil + spec.delta) }
    case 'set_api_roles':
      return { type: 'set_api_roles', apiRoles: spec.roles }
  }
}

describe('applyCommand: properties over random command sequences', () => {
  it('keeps every invariant after every step', () => {
    const seen = { acceptedServerChanges: 0, unchanged: 0, codes: new Set<string>() }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000 }), fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }), (validFor, steps) => {
        let org = makeOrg([], { subscriptionValidUntil: now + validFor })
        let t = now
        for (const { dt, actor, spec } of steps) {
          t += dt
          const command = build(spec, org, t)
          const before = structuredClone(org)
          const r = applyCommand(org, command, actor, t)
          if (!r.ok) {
            seen.codes.add(r.error.code)
            // a refused command leaves the organization identical
            expect(org).toEqual(before)
            const rejected = rejectedChangeEvent(org, command, actor, r.error, t)
            expect(rejected).toMatchObject({ result: 'rejected', after: null, revision: org.revision, violation: { code: r.error.code } })
            expect(JSON.stringify(rejected)).not.toContain('BEGIN CERTIFICATE')
            continue
          }
          const out = r.value
          const next = out.organization
          if (isServerCommandType(command.type)) {
            // no server command accepted while suspended or expired, nor without permission
            expect(org.suspension).toBeUndefined()
            expect(isSubscriptionExpired(org, t)).toBe(false)
            expect(actor.permissions).toContain('api_key_management')
          } else {
            expect(next.authorizationServers).toBe(org.authorizationServers)
          }
          if (out.changed) {
            if (isServerCommandType(command.type)) seen.acceptedServerChanges++
            expect(next.revision).toBe(org.revision + 1)
            expect(out.events.length).toBeGreaterThanOrEqual(1)
            for (const e of out.events) {
              expect(e).toMatchObject({ result: 'accepted', action: command.type, orgId, actor: actor.id, at: t, revision: next.revision })
              expect(JSON.parse(JSON.stringify(e))).toEqual(e)
            }
          } else {
            seen.unchanged++
            expect(next).toBe(org)
            expect(out.events).toEqual([])
            expect(out.notices).toEqual([])
          }
          // never more than two servers, never two enabled, names unique regardless of case
          expect(next.authorizationServers.length).toBeLessThanOrEqual(2)
          expect(next.authorizationServers.filter((s) => s.enabled).length).toBeLessThanOrEqual(1)
          expect(new Set(next.authorizationServers.map((s) => s.name.toLowerCase())).size).toBe(next.authorizationServers.length)
          // the active server, when there is one, is the single enabled one
          const active = activeServer(next, t)
          if (active.ok) expect(active.server.enabled).toBe(true)
          org = deepFreeze(next)
        }
      }),
      { numRuns: 500 },
    )
    // the generator reaches the interesting states, not just refusals
    expect(seen.acceptedServerChanges).toBeGreaterThan(300)
    expect(seen.unchanged).toBeGreaterThan(10)
    for (const code of [
      'permission_denied',
      'organization_suspended',
      'subscription_expired',
      'invalid_config',
      'server_limit_reached',
      'duplicate_name',
      'server_not_found',
      'another_server_enabled',
      'validation_required',
      'validation_mismatch',
      'validation_expired',
      'validation_in_future',
    ]) {
      expect(seen.codes).toContain(code)
    }
  })

  it('is deterministic: the same call gives the same answer', () => {
    fc.assert(
      fc.property(step, ({ actor, spec }) => {
        const org = makeOrg([])
        const command = build(spec, org, now)
        expect(applyCommand(org, command, actor, now)).toEqual(applyCommand(org, command, actor, now))
      }),
    )
  })
})
