// The example API: an enterprise security platform's public API, protected per API resource category with
// @tokenward/express, plus the admin API where each customer organization manages its
// authorization servers. Everything stateful is passed in, so the demo and the tests can run it.
import type { RequestGuard } from '@tokenward/core'
import { adminApi, tokenward } from '@tokenward/express'
import express, { type Express } from 'express'

export interface ApiDependencies {
  /** Decides API requests: a registry guard resolving the organization from the path. */
  readonly guard: RequestGuard
  /** The admin API handler (`createAdminApi`), mounted at `/admin/`. */
  readonly admin: (request: Request) => Promise<Response>
}

export function createApp({ guard, admin }: ApiDependencies): Express {
  const app = express()
  app.disable('x-powered-by')

  // Mount the admin API before any body parser: it reads the raw body itself.
  app.use('/admin', adminApi(admin))

  // Each route serves an API resource category: a token passes when one of its API roles grants
  // that category in the organization's API roles (403 insufficient_scope otherwise).
  app.get('/orgs/:orgId/reports', tokenward({ guard, resource: 'reports' }), (req, res) => {
    res.json({ orgId: req.params.orgId, reports: ['weekly-threats', 'blocked-urls'], caller: req.auth?.clientId, auditedAs: req.auth?.authorization?.adminId })
  })

  app.post('/orgs/:orgId/policies', tokenward({ guard, resource: 'policies' }), (req, res) => {
    res.status(201).json({ orgId: req.params.orgId, changedBy: req.auth?.authorization?.adminId })
  })

  return app
}
