// Serves the tokenward runtime app with Deno.serve on 127.0.0.1, on a port the system picks; the
// first line on stdout is that port. Run with:
//   deno run --node-modules-dir=manual --no-lock --allow-net=127.0.0.1 --allow-env --allow-read deno-server.mts
import { configFrom, createApp } from './runtime-app.mts'

// The few Deno APIs this script uses (no Deno types package needed).
declare const Deno: {
  readonly version: { readonly deno: string }
  readonly env: { get(name: string): string | undefined }
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void> }
}

const app = await createApp(configFrom(`deno ${Deno.version.deno}`, (name) => Deno.env.get(name)))
Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(port) }, app)
