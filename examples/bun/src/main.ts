// A Bun server protected with @tokenward/web: Bun speaks Request → Response, so the adapter only
// wraps the fetch handler.
//
//   JWKS_URL=https://idp.example.com/keys ISSUER=https://idp.example.com bun examples/bun/src/main.ts
import { createVerifier } from '@tokenward/core'
import { withTokenward } from '@tokenward/web'

// Just the part of Bun's API this example uses (no Bun type package needed to type-check it).
declare const Bun: {
  readonly env: Record<string, string | undefined>
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Response | Promise<Response> }): unknown
}

const verifier = createVerifier({
  server: { name: 'CustomerIdP', jwksUrl: Bun.env.JWKS_URL ?? 'https://idp.example.com/keys', issuer: Bun.env.ISSUER ?? 'https://idp.example.com' },
  organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
})

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(Bun.env.PORT ?? 8000),
  fetch: withTokenward((_request, auth) => Response.json({ hello: auth.clientId, auditedAs: auth.authorization?.adminId }), { guard: verifier }),
})
