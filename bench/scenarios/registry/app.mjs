// One Express 5 app for the registry scenario, pinned to its own core. Both variants verify the
// same tokens against the same authorization server (keys from the local JWKS server) for
// organization 12345 with the same API roles; they differ only in how the server is found:
//
//   single    @tokenward/express over one core verifier configured in code
//   registry  @tokenward/express over createRegistryVerifier: the organization in a file store
//             (a temp directory) and every call audited to a fsynced JSON-lines log (defaults:
//             each allowed call waits until its group-committed line is on disk)
//   registry-fsync-100ms  the same with the log's `fsync: { everyMs: 100 }` (lines reach the OS
//             before the answer, the disk within 100 ms): context, showing what the per-batch
//             fsync costs
//
// Usage: node app.mjs <variant>   (config in BENCH_APP_CONFIG: { jwksUrl, dir })
// Sends { type: 'ready', port } when listening; answers { type: 'cpu' } like the HTTP scenario's
// app, and { type: 'audit' } with the audit log's batch and line counts.
import { join } from 'node:path'
import { createVerifier } from '@tokenward/core'
import { tokenward } from '@tokenward/express'
import { createRegistryVerifier, registryGuard } from '@tokenward/registry'
import { createFileOrganizationStore, createJsonlAuditSink } from '@tokenward/registry/node'
import express from 'express'
import { audience, issuer } from '../../lib/tokens.mjs'

const variant = process.argv[2]
const { jwksUrl, dir } = JSON.parse(process.env.BENCH_APP_CONFIG)
const server = { name: 'Bench', jwksUrl, issuer, audience }
const organization = {
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'], Reporting: ['reports'], Audit: ['audit'] },
  subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
  suspension: undefined,
  authorizationServers: [{ ...server, enabled: true, description: '' }],
  revision: 1,
}

const audit = { batches: 0, lines: 0 }
async function guardOf() {
  if (variant === 'single') {
    const { orgId, cloud, cloudDomain, apiRoles } = organization
    return createVerifier({ server, organization: { orgId, cloud, cloudDomain, apiRoles: Object.keys(apiRoles) } })
  }
  if (variant === 'registry' || variant === 'registry-fsync-100ms') {
    const store = await createFileOrganizationStore({ directory: join(dir, 'organizations') })
    if ((await store.get('12345')) === undefined) await store.put(organization, undefined).catch(() => undefined) // the other app may win
    const auditSink = await createJsonlAuditSink({
      path: join(dir, `audit-${process.pid}.jsonl`),
      fsync: variant === 'registry' ? 'every-write' : { everyMs: 100 },
      onBatchWritten: (b) => {
        audit.batches++
        audit.lines += b.lines
      },
    })
    return registryGuard(createRegistryVerifier({ store, auditSink, jwks: { addressPolicy: { developmentLoopback: true } } }), { static: '12345' })
  }
  throw new Error(`unknown app variant ${variant}`)
}

const app = express()
app.get('/resource', tokenward({ guard: await guardOf() }), (req, res) => {
  res.json({ ok: true })
})
const listener = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: listener.address().port }))
process.on('message', (message) => {
  if (message?.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    const main = process.threadCpuUsage()
    process.send({ type: 'cpu', micros: user + system, mainThreadMicros: main.user + main.system, gcPauseMicros: 0 })
  } else if (message?.type === 'audit') {
    process.send({ type: 'audit', ...audit })
  }
})
process.on('disconnect', () => process.exit(0))
