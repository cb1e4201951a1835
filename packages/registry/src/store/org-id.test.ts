import { describe, expect, it } from 'vitest'
import { checkOrgId } from './org-id.ts'
import { rejectedOrgIds } from './organization-store-contract.test-support.ts'

describe('checkOrgId', () => {
  it.each(['acme', '12345', 'a', 'a-b_c.d', '.hidden', 'x'.repeat(128), 'console'])('accepts %j', (id) => {
    expect(checkOrgId(id)).toBeUndefined()
  })

  it.each(rejectedOrgIds)('rejects %j', (id) => {
    expect(checkOrgId(id)).toEqual(expect.any(String))
  })

  it.each([undefined, null, 42, {}])('rejects the non-string %j', (value) => {
    expect(checkOrgId(value)).toBe('must be a string')
  })
})
