// Serves the tokenward runtime app with Bun.serve on 127.0.0.1, on a port the system picks; the
// first line on stdout is that port. Run with: bun bun-server.mts
import { configFrom, createApp } from './runtime-app.mts'

// The few Bun APIs this script uses (no Bun types package needed).
declare const Bun: {
  readonly version: string
  readonly env: Readonly<Record<string, string | undefined>>
  serve(options: { hostname: string; port: number; fetch(request: Request): Response | Promise<Response> }): { readonly port: number }
}

const app = await createApp(configFrom(`bun ${Bun.version}`, (name) => Bun.env[name]))
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app })
console.log(server.port)
