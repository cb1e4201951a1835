/**
 * `@tokenward/express`: Express 4 and 5 middleware for tokenward. `tokenward({ guard })` verifies
 * the access token of each request and sets `req.auth`; `requireApiRoles` guards a route with API
 * roles and `requireApiResource` with the API resource category a route serves; `adminApi` mounts the registry's admin API. The adapter only translates: every decision
 * (claims, keys, roles, challenges, outages) is made by `@tokenward/core`.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createVerifier } from '@tokenward/core'
 * import { requireApiRoles, tokenward } from '@tokenward/express'
 *
 * const guard = createVerifier({
 *   server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default' },
 *   organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
 * })
 * const app = express()
 * app.get('/reports', tokenward({ guard }), (req, res) => res.json({ adminId: req.auth?.authorization?.adminId }))
 * app.delete('/policies/:id', requireApiRoles(['Admin'], { guard }), (req, res) => res.sendStatus(204))
 * ```
 *
 * @module
 */
export { requireApiResource, requireApiRoles, tokenward, toTokenRequest } from './middleware.ts'
export { adminApi, BodyAlreadyReadError } from './admin.ts'
export type { ClientCertificateOptions, RequireApiResourceOptions, RequireApiRolesOptions, TokenwardOptions, WebHandler } from './types.ts'
