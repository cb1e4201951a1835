// Which stage refused: every refusal names the pipeline stage in `stage` (and in toJSON), through
// the request path and the token path alike.
import { beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'

let key: TestKey
let other: TestKey
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  other = await makeKey('ES256', 'k1')
})

const verifierFor = (server: Record<string, unknown> = {}) =>
  createVerifier({
    server: { name: 'Stages', jwks: { keys: [key.publicJwk] }, issuer: 'https://idp.test', audience: 'api://orders', ...server } as never,
    organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
  })

type Row = readonly [name: string, authorization: () => Promise<string | undefined>, server: Record<string, unknown>, stage: string, code: string]

describe('the stage that refused', () => {
  it.each<Row>([
    ['no token', async () => undefined, {}, 'credential', 'missing_token'],
    ['two values in one header', async () => 'Bearer a b', {}, 'credential', 'invalid_request'],
    ['a forged signature', async () => `Bearer ${await mint(other)}`, {}, 'jwt', 'invalid_signature'],
    ['an expired token', async () => `Bearer ${await mint(key, { claims: { exp: 1 } })}`, {}, 'jwt', 'token_expired'],
    ['a token bound to a key (cnf)', async () => `Bearer ${await mint(key, { claims: { cnf: { jkt: 'abc' } } })}`, {}, 'binding', 'token_bound'],
    ['no API role of the organization', async () => `Bearer ${await mint(key, { claims: { scope: 'zscloud::12345::Admin' } })}`, {}, 'authorize', 'insufficient_scope'],
    ['a disabled server', async () => `Bearer ${await mint(key)}`, { enabled: false }, 'server', 'server_disabled'],
  ])('%s → %s', async (_name, authorization, server, stage, code) => {
    const verifier = verifierFor(server)
    const header = await authorization()
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.test/x', headers: header === undefined ? {} : { authorization: header } })
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) {
      expect([verdict.error.stage, verdict.error.code]).toEqual([stage, code])
      expect(verdict.error.toJSON()).toMatchObject({ stage, code })
    }
    await verifier.close()
  })
})
