// Runs the example API with durable state: organizations in ./data/orgs, the audit log in
// ./data/audit.jsonl. Configuration comes from the environment here, in the application — the
// libraries never read it themselves.
//
//   ADMIN_ISSUER=https://admin-idp.example ADMIN_JWKS_URL=https://admin-idp.example/jwks npm start
import { createVerifier } from '@tokenward/core'
import { adminAuthenticator, createAdminApi, createInMemoryReceiptStore, createRegistryVerifier, registryGuard } from '@tokenward/registry'
import { createFileOrganizationStore, createJsonlAuditSink } from '@tokenward/registry/node'
import { createApp } from './app.ts'

const dataDir = process.env.DATA_DIR ?? './data'
const adminIssuer = process.env.ADMIN_ISSUER
const adminJwksUrl = process.env.ADMIN_JWKS_URL
if (adminIssuer === undefined || adminJwksUrl === undefined) {
  console.error('Set ADMIN_ISSUER and ADMIN_JWKS_URL: the authorization server that issues tokens to your organizations\' admins.')
  process.exit(2)
}

const store = await createFileOrganizationStore({ directory: `${dataDir}/orgs` })
const audit = await createJsonlAuditSink({ path: `${dataDir}/audit.jsonl` })
const registry = createRegistryVerifier({ store, auditSink: audit })
const adminVerifier = createVerifier({ server: { name: 'AdminIdP', jwksUrl: adminJwksUrl, issuer: adminIssuer } })
const admin = createAdminApi({
  basePath: '/admin/',
  store,
  receipts: createInMemoryReceiptStore(),
  audit,
  authenticate: adminAuthenticator({ verifier: adminVerifier }),
  // Admin tokens' subjects look like `<admin>@<orgId>`: an admin manages only their own organization.
  authorizeOrganization: (actor, orgId) => actor.id.endsWith(`@${orgId}`),
  keyStatus: registry.keyStatus,
})

const port = Number(process.env.PORT ?? 3000)
createApp({ guard: registryGuard(registry, { param: 'orgId' }) /* the organization Express routed to */, admin }).listen(port, '127.0.0.1', () => {
  console.log(`Example API on http://127.0.0.1:${port} (admin API under /admin/)`)
})
