// Test support: one API instance as a child Node process (Node strips the types), running core's
// createVerifier with DPoP enabled and the Redis replay store. Answers JSON commands on stdin
// with one JSON line each on stdout. Not part of the package.
//   argv: <redis url> <key prefix> <public JWK of the token signer, JSON>
import { createVerifier } from '@tokenward/core'
import { createInterface } from 'node:readline'
import { createRedisConnection, createRedisReplayStore } from './index.ts'

const [url, keyPrefix, jwk] = process.argv.slice(2) as [string, string, string]
const connection = await createRedisConnection({ url, commandTimeoutMs: 200 })
const verifier = createVerifier({
  server: { name: 'Bound', jwks: { keys: [JSON.parse(jwk)] }, issuer: 'https://idp.test', audience: 'api://orders', dpop: { mode: 'enabled' } },
  organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
  replayStore: createRedisReplayStore({ connection, keyPrefix }),
})

type Command = { id: number; op: 'verify'; token: string; proof: string }

const run = async (c: Command): Promise<string> => {
  try {
    const v = await verifier.verifyRequest({ method: 'GET', url: 'https://api.example.test/orders', headers: { authorization: `DPoP ${c.token}`, dpop: c.proof } })
    return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}${v.response.headers['retry-after'] === undefined ? '' : ' retry-after'}`
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const c = JSON.parse(line) as Command
  void run(c).then((result) => process.stdout.write(`${JSON.stringify({ id: c.id, result })}\n`))
})
lines.on('close', () => {
  void verifier.close().then(() => connection.close())
})
process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
