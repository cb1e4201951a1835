import { describe, expect, it } from 'vitest'
import { isProviderCommandType, isServerCommandType, providerCommandTypes, serverCommandTypes, validateCommand } from './organization-command.ts'

describe('validateCommand', () => {
  it.each<[string, unknown, unknown]>([
    ['drops unknown members', { type: 'enable_server', name: 'A', extra: 1 }, { type: 'enable_server', name: 'A' }],
    ['keeps switchFromEnabled', { type: 'enable_server', name: 'A', switchFromEnabled: true }, { type: 'enable_server', name: 'A', switchFromEnabled: true }],
    ['add keeps server and receipt as given', { type: 'add_server', server: 'x' }, { type: 'add_server', server: 'x', receipt: undefined }],
    ['edit', { type: 'edit_server', name: 'A', server: {}, receipt: undefined }, { type: 'edit_server', name: 'A', server: {}, receipt: undefined }],
    ['suspend', { type: 'suspend', reason: 'terms_violation' }, { type: 'suspend', reason: 'terms_violation' }],
    ['renew', { type: 'renew_subscription', validUntil: 0 }, { type: 'renew_subscription', validUntil: 0 }],
    ['lift', { type: 'lift_suspension', x: 1 }, { type: 'lift_suspension' }],
  ])('%s', (_, input, expected) => {
    expect(validateCommand(input)).toEqual({ ok: true, value: expected })
  })

  it.each<[string, unknown, string]>([
    ['not an object', 'enable_server', ''],
    ['an array', [], ''],
    ['unknown type', { type: 'explode' }, 'type'],
    ['missing type', {}, 'type'],
    ['edit without name', { type: 'edit_server', server: {} }, 'name'],
    ['delete with numeric name', { type: 'delete_server', name: 3 }, 'name'],
    ['disable without name', { type: 'disable_server' }, 'name'],
    ['enable with string switch', { type: 'enable_server', name: 'A', switchFromEnabled: 'yes' }, 'switchFromEnabled'],
    ['unknown suspension reason', { type: 'suspend', reason: 'bored' }, 'reason'],
    ['fractional renewal', { type: 'renew_subscription', validUntil: 1.5 }, 'validUntil'],
    ['negative renewal', { type: 'renew_subscription', validUntil: -1 }, 'validUntil'],
    ['infinite renewal', { type: 'renew_subscription', validUntil: Number.POSITIVE_INFINITY }, 'validUntil'],
    ['roles as array', { type: 'set_api_roles', apiRoles: [] }, 'apiRoles'],
  ])('refuses %s', (_, input, field) => {
    const r = validateCommand(input)
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_command', field, status: 400 } })
  })
})

describe('command type guards', () => {
  it('split every type into exactly one group', () => {
    for (const t of serverCommandTypes) expect([isServerCommandType(t), isProviderCommandType(t)]).toEqual([true, false])
    for (const t of providerCommandTypes) expect([isServerCommandType(t), isProviderCommandType(t)]).toEqual([false, true])
    expect(isServerCommandType('nope')).toBe(false)
    expect(isProviderCommandType(undefined)).toBe(false)
  })
})
