// One API instance of the fleet demo (scripts/demo-fleet.mjs): a plain node:http API whose
// organizations, API-call counter and audit log live on the shared Redis. Routes:
//   GET  /orgs/:orgId/reports           the protected resource (Bearer token)
//   POST /admin/orgs/:orgId/suspend     an admin's "disable" (through changeOrganization)
//   POST /admin/orgs/:orgId/lift        lifts the suspension
//   GET  /orgs/:orgId/dpop/reports      the same resource for an organization whose server binds its
//                                       tokens with DPoP: the registry verifier again, whose
//                                       replayStore is the fleet's Redis (a proof is accepted once)
import { systemActor } from '@tokenward/core/organization'
import { changeOrganization, createRegistryVerifier } from '@tokenward/registry'
import { createRedisApiCallCounter, createRedisAuditSink, createRedisConnection, createRedisOrganizationStore, createRedisReplayStore } from '@tokenward/redis'
import { createServer } from 'node:http'

const [redisUrl, name, , , publicOrigin] = process.argv.slice(2)
const connection = await createRedisConnection({ url: redisUrl, onEvent: (e) => console.error(`[${name}] ${JSON.stringify(e)}`) })
const store = createRedisOrganizationStore({ connection, keyPrefix: 'demo' })
const auditSink = createRedisAuditSink({ connection, keyPrefix: 'demo' })
const registry = createRegistryVerifier({
  store,
  auditSink,
  apiCallCounter: createRedisApiCallCounter({ connection, keyPrefix: 'demo' }),
  apiCallThreshold: { maxCalls: 5, windowSeconds: 3600 },
  // One DPoP replay store for every organization and every instance: SET NX on the shared Redis.
  replayStore: createRedisReplayStore({ connection, keyPrefix: 'demo' }),
  organizationRecheckMs: 60_000, // changes arrive through the feed
  keyRefresh: false,
  jwks: { addressPolicy: { developmentLoopback: true } },
})

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const admin = url.pathname.match(/^\/admin\/orgs\/([^/]+)\/(suspend|lift)$/)
  if (req.method === 'POST' && admin) {
    const command = admin[2] === 'suspend' ? { type: 'suspend', reason: 'terms_violation' } : { type: 'lift_suspension' }
    const r = await changeOrganization(store, auditSink, { orgId: admin[1], command, actor: systemActor, now: Math.floor(Date.now() / 1000), attempts: 5 })
    return void res.writeHead(r.kind === 'unavailable' ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: r.kind }))
  }
  const api = url.pathname.match(/^\/orgs\/([^/]+)\/reports$/)
  if (req.method === 'GET' && api) {
    const verdict = await registry.verifyRequest({ method: 'GET', url: url.pathname, headers: req.headers }, { orgId: api[1] })
    if (verdict.ok) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ instance: name, client: verdict.token.clientId }))
    return void res.writeHead(verdict.response.status, verdict.response.headers).end(JSON.stringify({ instance: name, error: verdict.error.code }))
  }
  const dpop = url.pathname.match(/^\/orgs\/([^/]+)\/dpop\/reports$/)
  if (req.method === 'GET' && dpop) {
    // Behind the load balancer every instance serves one public URL: the proof's htu.
    const verdict = await registry.verifyRequest({ method: 'GET', url: `${publicOrigin}${url.pathname}`, headers: req.headers }, { orgId: dpop[1] })
    if (verdict.ok) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ instance: name, client: verdict.token.clientId }))
    return void res.writeHead(verdict.response.status, verdict.response.headers).end(JSON.stringify({ instance: name, error: verdict.error.code }))
  }
  res.writeHead(404).end()
})
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port: server.address().port })))
process.stdin.on('end', async () => {
  server.close()
  await registry.close()
  await store.close()
  await auditSink.close()
  await connection.close()
  process.exit(0)
})
process.stdin.resume()
