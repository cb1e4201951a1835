// A Deno server protected with @tokenward/web: Deno speaks Request → Response, so the adapter only
// wraps the handler.
//
//   JWKS_URL=https://idp.example.com/keys ISSUER=https://idp.example.com \
//     deno run --allow-net --allow-env --allow-read examples/deno/src/main.ts
import { createVerifier } from '@tokenward/core'
import { withTokenward } from '@tokenward/web'

// Just the part of Deno's API this example uses (no Deno type package needed to type-check it).
declare const Deno: {
  readonly env: { get(name: string): string | undefined }
  serve(options: { hostname: string; port: number }, handler: (request: Request) => Response | Promise<Response>): unknown
}

const verifier = createVerifier({
  server: { name: 'CustomerIdP', jwksUrl: Deno.env.get('JWKS_URL') ?? 'https://idp.example.com/keys', issuer: Deno.env.get('ISSUER') ?? 'https://idp.example.com' },
  organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
})

Deno.serve(
  { hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 8000) },
  withTokenward((_request, auth) => Response.json({ hello: auth.clientId, auditedAs: auth.authorization?.adminId }), { guard: verifier }),
)
