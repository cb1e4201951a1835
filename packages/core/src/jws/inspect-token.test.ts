import { describe, expect, it } from 'vitest'
import { b64 } from '../testing/mint.test-support.ts'
import { inspectToken } from './inspect-token.ts'

const unsigned = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ exp: 2_000_000_000, client_id: 'c', ...claims })}.${b64('sig')}`

describe('inspectToken notes the token rules a verifier would apply', () => {
  it.each([
    ['a bound token', { cnf: { jkt: 'abc' } }, /cnf.*rejected \(token_bound\)/],
    ['a Cognito ID token', { token_use: 'id' }, /token_use.*rejected \(invalid_token_use\)/],
    ['a Keycloak ID token', { typ: 'ID' }, /typ claim.*rejected \(invalid_token_use\)/],
  ])('%s', (_label, claims, note) => {
    expect(inspectToken(unsigned(claims), 1_700_000_000).notes).toContainEqual(expect.stringMatching(note))
  })
  it('says nothing of the kind for a plain bearer access token', () => {
    expect(inspectToken(unsigned({ token_use: 'access', typ: 'Bearer' }), 1_700_000_000).notes.join(' ')).not.toMatch(/token_bound|invalid_token_use/)
  })
})
