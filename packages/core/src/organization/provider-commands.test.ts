import { describe, expect, it } from 'vitest'
import { applyProviderCommand } from './provider-commands.ts'
import { systemActor } from './system-actor.ts'
import { entra1, makeOrg, now, okta1, operator } from './organization.test-support.ts'

describe('applyProviderCommand', () => {
  it('never touches the servers and records before and after', () => {
    const org = makeOrg([okta1, entra1])
    const r = applyProviderCommand(org, { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor, now)
    expect(r.ok && r.value.organization.authorizationServers).toBe(org.authorizationServers)
    expect(r.ok && r.value.events[0]).toMatchObject({ actor: 'system', before: { suspension: null }, after: { suspension: { reason: 'api_call_threshold_exceeded' } } })
  })

  it('suspending an organization with nothing active has no notice', () => {
    const r = applyProviderCommand(makeOrg([]), { type: 'suspend', reason: 'terms_violation' }, operator, now)
    expect(r.ok && r.value.notices).toEqual([])
  })

  it('copies the API roles it stores', () => {
    const categories = ['reports']
    const r = applyProviderCommand(makeOrg([]), { type: 'set_api_roles', apiRoles: { Viewer: categories } }, operator, now)
    categories.push('later')
    expect(r.ok && r.value.organization.apiRoles).toEqual({ Viewer: ['reports'] })
  })

  it('accepts an empty role set (no token is then authorized)', () => {
    const r = applyProviderCommand(makeOrg([]), { type: 'set_api_roles', apiRoles: {} }, operator, now)
    expect(r.ok && r.value.organization.apiRoles).toEqual({})
  })
})
