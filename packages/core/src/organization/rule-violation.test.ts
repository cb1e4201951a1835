import { describe, expect, it } from 'vitest'
import { isRuleViolation, ruleViolation, ruleViolationCodes } from './rule-violation.ts'

describe('ruleViolation', () => {
  it.each([
    ['invalid_command', 400],
    ['permission_denied', 403],
    ['organization_suspended', 403],
    ['subscription_expired', 403],
    ['invalid_config', 400],
    ['server_not_found', 404],
    ['server_limit_reached', 409],
    ['duplicate_name', 409],
    ['another_server_enabled', 409],
    ['validation_required', 400],
    ['validation_mismatch', 400],
    ['validation_expired', 400],
    ['validation_in_future', 400],
  ] as const)('%s → %i', (code, status) => {
    expect(ruleViolation(code, 'm')).toEqual({ _tag: 'RuleViolation', code, message: 'm', status })
  })

  it('lists every code once', () => {
    expect(new Set(ruleViolationCodes).size).toBe(21)
  })

  it('leaves out undefined details so equal violations are deep-equal', () => {
    expect(Object.keys(ruleViolation('server_not_found', 'm', { field: 'name', actual: undefined }))).toEqual(['_tag', 'code', 'message', 'status', 'field'])
  })
})

describe('isRuleViolation', () => {
  it('recognises violations after a JSON round trip, and nothing else', () => {
    const v = ruleViolation('duplicate_name', 'x', { field: 'name' })
    expect(isRuleViolation(JSON.parse(JSON.stringify(v)))).toBe(true)
    expect(isRuleViolation({ ...v, code: 'made_up' })).toBe(false)
    expect(isRuleViolation({ ...v, _tag: 'Other' })).toBe(false)
    expect(isRuleViolation(new Error('x'))).toBe(false)
    expect(isRuleViolation(null)).toBe(false)
  })
})
