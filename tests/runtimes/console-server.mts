// Serves the BUILT @tokenward/console with the runtime's own server (Deno.serve or Bun.serve) on
// 127.0.0.1, on a port the system picks; the first line on stdout is that port. Run by
// tests/runtimes/console-deno-bun.test.ts:
//   deno run --node-modules-dir=manual --no-lock --allow-net=127.0.0.1 --allow-read --allow-env console-server.mts
//   bun --no-install console-server.mts
import { createAdminConsole } from '@tokenward/console'

// The few runtime APIs this script uses (no Deno or Bun types package needed).
declare const Deno:
  | { serve(options: { hostname: string; port: number; onListen(address: { port: number }): void }, handler: (request: Request) => Promise<Response>): unknown }
  | undefined
declare const Bun: { serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): { readonly port: number } } | undefined

const page = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `https://api.example.com/orgs/${orgId}/` })
if (typeof Deno !== 'undefined') {
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(port) }, page)
} else if (typeof Bun !== 'undefined') {
  console.log(Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: page }).port)
} else {
  throw new Error('console-server.mts runs in Deno or Bun')
}
