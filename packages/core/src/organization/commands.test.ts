import { describe, expect, it } from 'vitest'
import type { RuleViolationCode } from './rule-violation.ts'
import { applyCommand } from './commands.ts'
import type { AddServerCommand, OrganizationCommand } from './organization-command.ts'
import { effectiveServerStatus } from './status.ts'
import { systemActor } from './system-actor.ts'
import type { Actor, Organization } from './types.ts'
import { alice, bob, caA, caB, configOf, entra1, inline, makeOrg, now, okta1, operator, receiptFor, remote } from './organization.test-support.ts'

const suspended = (org: Organization): Organization => ({ ...org, suspension: { reason: 'terms_violation', since: now - 10 } })
const expired = (org: Organization): Organization => ({ ...org, subscriptionValidUntil: now })
const disabled = (name: string) => configOf(inline(name, { enabled: false }))

const okta2Input = remote('Okta2', { enabled: false })
const addOkta2: OrganizationCommand = { type: 'add_server', server: okta2Input, receipt: receiptFor(okta2Input) }

function refused(org: Organization, command: OrganizationCommand, actor: Actor = alice, at = now, options = {}) {
  const r = applyCommand(org, command, actor, at, options)
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value.organization)}`)
  return r.error
}

function accepted(org: Organization, command: OrganizationCommand, actor: Actor = alice, at = now, options = {}) {
  const r = applyCommand(org, command, actor, at, options)
  if (!r.ok) throw new Error(`expected acceptance, got ${r.error.code}: ${r.error.message}`)
  return r.value
}

describe('applyCommand: refusals', () => {
  const one = makeOrg([okta1])
  const two = makeOrg([okta1, entra1])
  const editInput = remote('Okta1', { description: 'changed' })
  const edit: OrganizationCommand = { type: 'edit_server', name: 'Okta1', server: editInput, receipt: receiptFor(editInput) }

  const table: [string, Organization, OrganizationCommand, Actor, RuleViolationCode][] = [
    // permission, for each server command
    ['add without permission', one, addOkta2, bob, 'permission_denied'],
    ['edit without permission', one, edit, bob, 'permission_denied'],
    ['delete without permission', one, { type: 'delete_server', name: 'Okta1' }, bob, 'permission_denied'],
    ['enable without permission', two, { type: 'enable_server', name: 'Entra1' }, bob, 'permission_denied'],
    ['disable without permission', one, { type: 'disable_server', name: 'Okta1' }, bob, 'permission_denied'],
    ['system actor cannot change servers', one, { type: 'disable_server', name: 'Okta1' }, systemActor, 'permission_denied'],
    ['permission is checked before suspension', suspended(one), { type: 'disable_server', name: 'Okta1' }, bob, 'permission_denied'],
    // suspension and expiry refuse every server change; suspension is reported first
    ['add while suspended', suspended(one), addOkta2, alice, 'organization_suspended'],
    ['edit while suspended', suspended(one), edit, alice, 'organization_suspended'],
    ['delete while suspended', suspended(one), { type: 'delete_server', name: 'Okta1' }, alice, 'organization_suspended'],
    ['enable while suspended', suspended(two), { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }, alice, 'organization_suspended'],
    ['disable while suspended', suspended(one), { type: 'disable_server', name: 'Okta1' }, alice, 'organization_suspended'],
    ['no-op enable while suspended is still refused', suspended(one), { type: 'enable_server', name: 'Okta1' }, alice, 'organization_suspended'],
    ['add while expired', expired(one), addOkta2, alice, 'subscription_expired'],
    ['edit while expired', expired(one), edit, alice, 'subscription_expired'],
    ['delete while expired', expired(one), { type: 'delete_server', name: 'Okta1' }, alice, 'subscription_expired'],
    ['enable while expired', expired(two), { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }, alice, 'subscription_expired'],
    ['disable while expired', expired(one), { type: 'disable_server', name: 'Okta1' }, alice, 'subscription_expired'],
    ['suspended and expired: suspension first', suspended(expired(one)), { type: 'disable_server', name: 'Okta1' }, alice, 'organization_suspended'],
    // invalid config
    ['add an invalid config', one, { type: 'add_server', server: { name: 'bad name', jwksUrl: 'http://x.example.com' }, receipt: undefined }, alice, 'invalid_config'],
    ['add a non-object config', one, { type: 'add_server', server: 'Okta2', receipt: undefined }, alice, 'invalid_config'],
    ['edit into an invalid config', one, { type: 'edit_server', name: 'Okta1', server: { ...remote('Okta1'), algorithms: ['HS256'] }, receipt: undefined }, alice, 'invalid_config'],
    // limits, names, existence
    ['add a third', two, { type: 'add_server', server: inline('Third', { enabled: false }), receipt: undefined }, alice, 'server_limit_reached'],
    ['add a third even with an invalid config', two, { type: 'add_server', server: {}, receipt: undefined }, alice, 'server_limit_reached'],
    ['add a duplicate name', one, { type: 'add_server', server: inline('Okta1', { enabled: false }), receipt: undefined }, alice, 'duplicate_name'],
    ['add a name differing only in case', one, { type: 'add_server', server: inline('OKTA1', { enabled: false }), receipt: undefined }, alice, 'duplicate_name'],
    ['rename to an existing name', two, { type: 'edit_server', name: 'Entra1', server: inline('Okta1', { enabled: false }), receipt: undefined }, alice, 'duplicate_name'],
    ['edit an unknown server', one, { type: 'edit_server', name: 'Nope', server: inline('Nope'), receipt: undefined }, alice, 'server_not_found'],
    ['delete an unknown server', one, { type: 'delete_server', name: 'Nope' }, alice, 'server_not_found'],
    ['enable an unknown server', one, { type: 'enable_server', name: 'Nope' }, alice, 'server_not_found'],
    ['disable an unknown server', one, { type: 'disable_server', name: 'Nope' }, alice, 'server_not_found'],
    ['names are exact for lookups', one, { type: 'disable_server', name: 'okta1' }, alice, 'server_not_found'],
    // never two enabled
    ['add enabled while another is enabled', one, { type: 'add_server', server: inline('Entra1', { enabled: true }), receipt: undefined }, alice, 'another_server_enabled'],
    ['edit to enabled while another is enabled', two, { type: 'edit_server', name: 'Entra1', server: inline('Entra1', { enabled: true }), receipt: undefined }, alice, 'another_server_enabled'],
    ['enable while another is enabled', two, { type: 'enable_server', name: 'Entra1' }, alice, 'another_server_enabled'],
    ['enable with switchFromEnabled: false', two, { type: 'enable_server', name: 'Entra1', switchFromEnabled: false }, alice, 'another_server_enabled'],
    // malformed calls
    ['unknown command type', one, { type: 'launch' } as unknown as OrganizationCommand, alice, 'invalid_command'],
    ['name not a string', one, { type: 'delete_server', name: 1 } as unknown as OrganizationCommand, alice, 'invalid_command'],
    ['bad suspension reason', one, { type: 'suspend', reason: 'because' } as unknown as OrganizationCommand, operator, 'invalid_command'],
    ['bad renewal date', one, { type: 'renew_subscription', validUntil: Number.NaN }, operator, 'invalid_command'],
    ['actor without id', one, { type: 'lift_suspension' }, { permissions: [] } as unknown as Actor, 'invalid_command'],
    ['bad api roles', one, { type: 'set_api_roles', apiRoles: { 'has space': ['x'] } }, operator, 'invalid_config'],
  ]

  it.each(table)('%s → %s', (_, org, command, actor, code) => {
    const before = structuredClone(org)
    expect(refused(org, command, actor).code).toBe(code)
    expect(org).toEqual(before)
  })

  it('reports config issues by path', () => {
    const e = refused(one, { type: 'add_server', server: { name: 'bad name', jwksUrl: 'http://x.example.com', extra: 1 }, receipt: undefined })
    expect(e.status).toBe(400)
    expect(e.issues?.map((i) => i.path).sort()).toEqual(['extra', 'jwksUrl', 'name'])
  })

  it('refuses a non-finite now and bad options', () => {
    expect(refused(one, { type: 'disable_server', name: 'Okta1' }, alice, Number.NaN).field).toBe('now')
    expect(refused(one, { type: 'disable_server', name: 'Okta1' }, alice, now, { receiptMaxAgeSeconds: -1 }).field).toBe('options.receiptMaxAgeSeconds')
  })
})

describe('applyCommand: validation receipts', () => {
  const input = remote('Okta2', { enabled: false, trustedCertificates: [caA] })
  const org = makeOrg([okta1])
  const add = (receipt: AddServerCommand['receipt']) => ({ type: 'add_server' as const, server: input, receipt })
  const good = receiptFor(input)

  it.each([
    ['missing', undefined, 'validation_required', 'receipt'],
    ['malformed', { validationId: 'x' } as never, 'validation_required', 'receipt'],
    ['another organization', { ...good, orgId: '99999' }, 'validation_mismatch', 'receipt.orgId'],
    ['another URL', { ...good, jwksUrl: 'https://evil.example.com/keys' }, 'validation_mismatch', 'receipt.jwksUrl'],
    ['an unparsable URL', { ...good, jwksUrl: 'not a url' }, 'validation_mismatch', 'receipt.jwksUrl'],
    ['TLS validation off', { ...good, jwksCertificateValidation: false }, 'validation_mismatch', 'receipt.jwksCertificateValidation'],
    ['other CAs', { ...good, trustedCertificates: [caB] }, 'validation_mismatch', 'receipt.trustedCertificates'],
    ['no CAs', { ...good, trustedCertificates: [] }, 'validation_mismatch', 'receipt.trustedCertificates'],
    ['an extra CA', { ...good, trustedCertificates: [caA, caB] }, 'validation_mismatch', 'receipt.trustedCertificates'],
    ['too old', { ...good, validatedAt: now - 901 }, 'validation_expired', 'receipt.validatedAt'],
    ['from the future', { ...good, validatedAt: now + 1 }, 'validation_in_future', 'receipt.validatedAt'],
  ] as const)('a receipt that is %s → %s', (_, receipt, code, field) => {
    const e = refused(org, add(receipt))
    expect(e).toMatchObject({ code, field })
  })

  it('summarizes certificates in a mismatch instead of echoing them', () => {
    const e = refused(org, add({ ...good, trustedCertificates: [caB] }))
    expect(JSON.stringify(e)).not.toContain('BEGIN CERTIFICATE')
    expect(e.expected).toEqual([expect.stringMatching(/^CERTIFICATE\(\d+ base64 chars, MIIBszCC…/)])
  })

  it('accepts a matching receipt up to exactly the maximum age, and honours receiptMaxAgeSeconds', () => {
    expect(accepted(org, add({ ...good, validatedAt: now - 900 })).changed).toBe(true)
    expect(accepted(org, add({ ...good, validatedAt: now })).changed).toBe(true)
    expect(refused(org, add({ ...good, validatedAt: now - 61 }), alice, now, { receiptMaxAgeSeconds: 60 }).code).toBe('validation_expired')
    expect(accepted(org, add({ ...good, validatedAt: now - 3000 }), alice, now, { receiptMaxAgeSeconds: 3600 }).changed).toBe(true)
  })

  it('compares URLs after normalization', () => {
    const upper = { ...good, jwksUrl: 'HTTPS://OKTA2.EXAMPLE.COM/oauth2/v1/keys' }
    expect(accepted(org, add(upper)).changed).toBe(true)
  })

  it('needs no receipt for inline keys', () => {
    expect(accepted(org, { type: 'add_server', server: inline('Entra1', { enabled: false }), receipt: undefined }).changed).toBe(true)
  })

  it('needs a receipt for an edit that keeps a remote source', () => {
    const edited = remote('Okta1', { description: 'new' })
    expect(refused(org, { type: 'edit_server', name: 'Okta1', server: edited, receipt: undefined }).code).toBe('validation_required')
    expect(accepted(org, { type: 'edit_server', name: 'Okta1', server: edited, receipt: receiptFor(edited) }).changed).toBe(true)
  })
})

describe('applyCommand: accepted server changes', () => {
  it('adds a server: revision + 1, one event, config warnings as notices', () => {
    const org = makeOrg([])
    const input = remote('Okta1', { issuer: undefined })
    const out = accepted(org, { type: 'add_server', server: input, receipt: receiptFor(input) })
    expect(out.changed).toBe(true)
    expect(out.organization.revision).toBe(8)
    expect(out.organization.authorizationServers).toEqual([configOf(input)])
    expect(out.events).toHaveLength(1)
    expect(out.events[0]).toMatchObject({ type: 'authorization_server_change', action: 'add_server', actor: 'alice', at: now, before: null, result: 'accepted', revision: 8 })
    expect(out.events[0]?.after).toMatchObject({ name: 'Okta1', enabled: true })
    expect(out.notices).toEqual([expect.objectContaining({ code: 'no_issuer', server: 'Okta1', path: 'issuer' })])
  })

  it('an add that omits enabled is enabled only when no other server is', () => {
    const first = accepted(makeOrg([]), { type: 'add_server', server: inline('Entra1'), receipt: undefined })
    expect(first.organization.authorizationServers[0]?.enabled).toBe(true)
    const second = accepted(makeOrg([okta1]), { type: 'add_server', server: inline('Entra1'), receipt: undefined })
    expect(second.organization.authorizationServers[1]?.enabled).toBe(false)
  })

  it('edits the enabled server with a may_disrupt_clients notice', () => {
    const input = remote('Okta1', { clientId: 'client2' })
    const out = accepted(makeOrg([okta1]), { type: 'edit_server', name: 'Okta1', server: input, receipt: receiptFor(input) })
    expect(out.notices.map((n) => n.code)).toEqual(['may_disrupt_clients'])
    expect(out.events[0]?.before).toMatchObject({ clientId: 'client1' })
    expect(out.events[0]?.after).toMatchObject({ clientId: 'client2' })
  })

  it('an edit that turns the enabled server off also says clients lose access', () => {
    const input = remote('Okta1', { enabled: false })
    const out = accepted(makeOrg([okta1]), { type: 'edit_server', name: 'Okta1', server: input, receipt: receiptFor(input) })
    expect(out.notices.map((n) => n.code)).toEqual(['may_disrupt_clients', 'clients_lose_access'])
    expect(out.organization.authorizationServers[0]?.enabled).toBe(false)
  })

  it('an edit that omits enabled keeps the current flag', () => {
    const org = makeOrg([okta1, entra1])
    const entra = inline('Entra1', { description: 'x' })
    expect(accepted(org, { type: 'edit_server', name: 'Entra1', server: entra, receipt: undefined }).organization.authorizationServers[1]?.enabled).toBe(false)
    const okta = remote('Okta1', { description: 'x' })
    expect(accepted(org, { type: 'edit_server', name: 'Okta1', server: okta, receipt: receiptFor(okta) }).organization.authorizationServers[0]?.enabled).toBe(true)
  })

  it('renames a server to a free name, in place', () => {
    const out = accepted(makeOrg([okta1, entra1]), { type: 'edit_server', name: 'Entra1', server: inline('Entra2', { enabled: false }), receipt: undefined })
    expect(out.organization.authorizationServers.map((s) => s.name)).toEqual(['Okta1', 'Entra2'])
    expect(out.events[0]).toMatchObject({ before: { name: 'Entra1' }, after: { name: 'Entra2' } })
  })

  it('an edit to a disabled server notices nothing', () => {
    const out = accepted(makeOrg([okta1, entra1]), { type: 'edit_server', name: 'Entra1', server: inline('Entra1', { enabled: false, clientId: 'c' }), receipt: undefined })
    expect(out.notices).toEqual([])
  })

  it('deletes the enabled server with clients_lose_access', () => {
    const out = accepted(makeOrg([okta1, entra1]), { type: 'delete_server', name: 'Okta1' })
    expect(out.organization.authorizationServers).toEqual([entra1])
    expect(out.notices).toEqual([expect.objectContaining({ code: 'clients_lose_access', server: 'Okta1' })])
    expect(out.events[0]).toMatchObject({ action: 'delete_server', before: { name: 'Okta1' }, after: null })
  })

  it('deletes a disabled server quietly', () => {
    expect(accepted(makeOrg([okta1, entra1]), { type: 'delete_server', name: 'Entra1' }).notices).toEqual([])
  })

  it('disables the enabled server with clients_lose_access', () => {
    const out = accepted(makeOrg([okta1]), { type: 'disable_server', name: 'Okta1' })
    expect(out.organization.authorizationServers[0]?.enabled).toBe(false)
    expect(out.notices.map((n) => n.code)).toEqual(['clients_lose_access'])
  })

  it('enables a server when none is enabled', () => {
    const org = makeOrg([disabled('A'), disabled('B')])
    const out = accepted(org, { type: 'enable_server', name: 'B' })
    expect(out.organization.authorizationServers.map((s) => s.enabled)).toEqual([false, true])
    expect(out.events).toHaveLength(1)
    expect(out.notices).toEqual([])
  })

  it('switchFromEnabled swaps atomically: one revision, two events, the old one loses access', () => {
    const out = accepted(makeOrg([okta1, entra1]), { type: 'enable_server', name: 'Entra1', switchFromEnabled: true })
    expect(out.organization.authorizationServers.map((s) => [s.name, s.enabled])).toEqual([
      ['Okta1', false],
      ['Entra1', true],
    ])
    expect(out.organization.revision).toBe(8)
    expect(out.events.map((e) => [e.before?.name, e.before?.enabled, e.after?.enabled])).toEqual([
      ['Okta1', true, false],
      ['Entra1', false, true],
    ])
    expect(out.notices).toEqual([expect.objectContaining({ code: 'clients_lose_access', server: 'Okta1' })])
  })

  it('switchFromEnabled with nothing enabled simply enables', () => {
    const out = accepted(makeOrg([disabled('A')]), { type: 'enable_server', name: 'A', switchFromEnabled: true })
    expect(out.events).toHaveLength(1)
  })
})

describe('applyCommand: idempotent commands are accepted without change', () => {
  const org = makeOrg([okta1, entra1])
  it.each<[string, Organization, OrganizationCommand, Actor]>([
    ['enable the enabled server', org, { type: 'enable_server', name: 'Okta1' }, alice],
    ['enable the enabled server with switchFromEnabled', org, { type: 'enable_server', name: 'Okta1', switchFromEnabled: true }, alice],
    ['disable a disabled server', org, { type: 'disable_server', name: 'Entra1' }, alice],
    ['edit that changes nothing (needs no receipt)', org, { type: 'edit_server', name: 'Okta1', server: remote('Okta1'), receipt: undefined }, alice],
    ['suspend a suspended organization', suspended(org), { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor],
    ['lift when not suspended', org, { type: 'lift_suspension' }, operator],
    ['renew to the same date', org, { type: 'renew_subscription', validUntil: org.subscriptionValidUntil }, operator],
    ['set the same API roles', org, { type: 'set_api_roles', apiRoles: { Admin: ['reports', 'policies'], ReadOnly: ['reports'] } }, operator],
  ])('%s', (_, o, command, actor) => {
    const out = accepted(o, command, actor)
    expect(out).toEqual({ organization: o, events: [], notices: [], changed: false })
    expect(out.organization).toBe(o)
  })

  it('a repeated suspend keeps the first reason and date', () => {
    const s = suspended(org)
    expect(accepted(s, { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor).organization.suspension).toEqual(s.suspension)
  })
})

describe('applyCommand: provider commands', () => {
  const org = makeOrg([okta1, entra1])

  it('suspend: every server reads suspended, stored flags untouched, clients lose access', () => {
    const out = accepted(org, { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor)
    expect(out.organization.suspension).toEqual({ reason: 'api_call_threshold_exceeded', since: now })
    expect(out.organization.authorizationServers).toBe(org.authorizationServers)
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('suspended')
    expect(out.events).toEqual([
      {
        type: 'organization_change',
        action: 'suspend',
        orgId: '12345',
        actor: 'system',
        at: now,
        revision: 8,
        before: { suspension: null },
        after: { suspension: { reason: 'api_call_threshold_exceeded', since: now } },
        result: 'accepted',
      },
    ])
    expect(out.notices.map((n) => n.code)).toEqual(['clients_lose_access'])
  })

  it('needs no permission, for any actor', () => {
    expect(accepted(org, { type: 'suspend', reason: 'terms_violation' }, bob).changed).toBe(true)
  })

  it('lift restores the previous state with no admin action', () => {
    const s = accepted(org, { type: 'suspend', reason: 'terms_violation' }, operator).organization
    const lifted = accepted(s, { type: 'lift_suspension' }, operator).organization
    expect(lifted.suspension).toBeUndefined()
    expect(lifted.authorizationServers).toEqual(org.authorizationServers)
    expect(effectiveServerStatus(lifted, 'Okta1', now)).toBe('enabled')
    expect(lifted.revision).toBe(org.revision + 2)
  })

  it('suspend while expired works; the org then reads suspended', () => {
    const out = accepted(expired(org), { type: 'suspend', reason: 'terms_violation' }, operator)
    expect(out.organization.suspension?.reason).toBe('terms_violation')
    expect(out.notices).toEqual([]) // nothing was being accepted anyway
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('suspended')
  })

  it('renew while suspended: renewed, still suspended, server changes still refused', () => {
    const out = accepted(suspended(expired(org)), { type: 'renew_subscription', validUntil: now + 86400 }, operator)
    expect(out.organization.subscriptionValidUntil).toBe(now + 86400)
    expect(out.organization.suspension).toBeDefined()
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('suspended')
    expect(out.events[0]).toMatchObject({ before: { subscriptionValidUntil: now }, after: { subscriptionValidUntil: now + 86400 } })
    expect(refused(out.organization, { type: 'disable_server', name: 'Okta1' }).code).toBe('organization_suspended')
  })

  it('lift while expired: lifted, still expired', () => {
    const out = accepted(suspended(expired(org)), { type: 'lift_suspension' }, operator)
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('subscription_expired')
    expect(refused(out.organization, { type: 'disable_server', name: 'Okta1' }).code).toBe('subscription_expired')
  })

  it('renew after expiry restores the stored state', () => {
    const out = accepted(expired(org), { type: 'renew_subscription', validUntil: now + 1 }, operator)
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('enabled')
    expect(effectiveServerStatus(out.organization, 'Entra1', now)).toBe('disabled')
  })

  it('renew may also shorten the subscription (a correction)', () => {
    const out = accepted(org, { type: 'renew_subscription', validUntil: now - 1 }, operator)
    expect(effectiveServerStatus(out.organization, 'Okta1', now)).toBe('subscription_expired')
  })

  it('set_api_roles replaces the roles; removing one may disrupt clients', () => {
    const out = accepted(org, { type: 'set_api_roles', apiRoles: { ReadOnly: ['reports'], Auditor: ['logs'] } }, operator)
    expect(out.organization.apiRoles).toEqual({ ReadOnly: ['reports'], Auditor: ['logs'] })
    expect(out.notices).toEqual([expect.objectContaining({ code: 'may_disrupt_clients', message: expect.stringContaining('Admin') })])
    expect(out.events[0]).toMatchObject({ type: 'organization_change', action: 'set_api_roles', after: { apiRoles: { Auditor: ['logs'] } } })
    const added = accepted(org, { type: 'set_api_roles', apiRoles: { ...org.apiRoles, Auditor: ['logs'] } }, operator)
    expect(added.notices).toEqual([])
  })

  it('set_api_roles names every bad role by path', () => {
    const e = refused(org, { type: 'set_api_roles', apiRoles: { 'a:b': ['x'], Ok: [''], Bad: 'x' as never } }, operator)
    expect(e.issues?.map((i) => i.path)).toEqual(['apiRoles["a:b"]', 'apiRoles["Ok"][0]', 'apiRoles["Bad"]'])
  })
})

describe('applyCommand: orderings', () => {
  it('edit, enable and disable after delete are server_not_found; re-adding the name works', () => {
    const deleted = accepted(makeOrg([okta1, entra1]), { type: 'delete_server', name: 'Entra1' }).organization
    expect(refused(deleted, { type: 'edit_server', name: 'Entra1', server: inline('Entra1'), receipt: undefined }).code).toBe('server_not_found')
    expect(refused(deleted, { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }).code).toBe('server_not_found')
    expect(refused(deleted, { type: 'disable_server', name: 'Entra1' }).code).toBe('server_not_found')
    expect(refused(deleted, { type: 'delete_server', name: 'Entra1' }).code).toBe('server_not_found')
    expect(accepted(deleted, { type: 'add_server', server: inline('Entra1', { enabled: false }), receipt: undefined }).organization.revision).toBe(9)
  })

  it('two enabled attempts: the second enable is refused until the first is disabled', () => {
    let org = makeOrg([disabled('A'), disabled('B')])
    org = accepted(org, { type: 'enable_server', name: 'A' }).organization
    expect(refused(org, { type: 'enable_server', name: 'B' }).code).toBe('another_server_enabled')
    org = accepted(org, { type: 'disable_server', name: 'A' }).organization
    org = accepted(org, { type: 'enable_server', name: 'B' }).organization
    expect(org.authorizationServers.map((s) => s.enabled)).toEqual([false, true])
  })

  it('adding a third after deleting one works', () => {
    let org = makeOrg([okta1, entra1])
    expect(refused(org, addOkta2).code).toBe('server_limit_reached')
    org = accepted(org, { type: 'delete_server', name: 'Entra1' }).organization
    expect(accepted(org, addOkta2).organization.authorizationServers).toHaveLength(2)
  })

  it('the threshold suspension, then lift: servers come back as they were', () => {
    const org = makeOrg([okta1, entra1])
    const s = accepted(org, { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor).organization
    expect(refused(s, { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }).code).toBe('organization_suspended')
    const back = accepted(s, { type: 'lift_suspension' }, operator).organization
    expect(back.authorizationServers).toEqual(org.authorizationServers)
  })
})
