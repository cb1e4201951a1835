// The one Web handler both runtime servers serve (Deno.serve and Bun.serve differ only in how they
// start it). Imports the BUILT packages, resolved the way each runtime resolves them.
import type * as Core from '@tokenward/core'
import { withTokenward } from '@tokenward/web'

export interface AppConfig {
  /** `deno 2.x` / `bun 1.x`, reported by `/platform`. */
  readonly runtime: string
  /** The public key the `/orders` verifier holds inline. */
  readonly jwk: Core.Jwk
  /** A live JWKS endpoint (served by the Node-side test) for `/remote/orders`. */
  readonly jwksUrl: string
  /** `package`: `@tokenward/core` as the runtime resolves it; `web-build`: core's dist/web build by file URL. */
  readonly coreBuild: 'package' | 'web-build'
}

// Which URLs went through the global fetch: the web build fetches keys with it, the node build
// with node:http.
const fetchedUrls: string[] = []
const runtimeFetch = globalThis.fetch.bind(globalThis)
globalThis.fetch = Object.assign(
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    fetchedUrls.push(input instanceof Request ? input.url : String(input))
    return runtimeFetch(input, init)
  },
  { preconnect: () => {} },
) as typeof fetch

const webBuildUrl = new URL('../../packages/core/dist/web/index.js', import.meta.url).href

export async function createApp(config: AppConfig): Promise<(request: Request) => Promise<Response>> {
  const coreUrl = config.coreBuild === 'web-build' ? webBuildUrl : import.meta.resolve('@tokenward/core')
  const core = (config.coreBuild === 'web-build' ? await import(webBuildUrl) : await import('@tokenward/core')) as typeof Core
  const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
  const inline = core.createVerifier({ server: { name: 'Inline', jwks: { keys: [config.jwk] }, issuer: 'https://idp.test' }, organization })
  const remote = core.createVerifier({ server: { name: 'Remote', jwksUrl: config.jwksUrl, issuer: 'https://idp.test' }, organization })
  const down = core.createVerifier({ server: { name: 'Down', jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://idp.test' }, jwks: { timeoutMs: 2000 } })

  const echo = (_request: Request, auth: Core.VerifiedAccessToken | undefined): Response =>
    Response.json({ clientId: auth?.clientId ?? null, adminId: auth?.authorization?.adminId ?? null })
  const routes: Record<string, (request: Request) => Promise<Response>> = {
    '/orders': withTokenward(echo, { guard: inline }),
    '/admin': withTokenward(echo, { guard: inline, requiredRoles: ['Admin'] }),
    '/optional': withTokenward(echo, { guard: inline, optional: true }),
    '/remote/orders': withTokenward(echo, { guard: remote }),
    '/down/orders': withTokenward(echo, { guard: down }),
    '/platform': async () => Response.json({ runtime: config.runtime, coreBuild: config.coreBuild, coreUrl, fetchedUrls }),
  }
  return (request) => {
    const route = routes[new URL(request.url).pathname]
    return route === undefined ? Promise.resolve(new Response('not found', { status: 404 })) : route(request)
  }
}

/** Reads the configuration from the environment (through the runtime's own accessor). */
export function configFrom(runtime: string, env: (name: string) => string | undefined): AppConfig {
  const read = (name: string): string => {
    const value = env(name)
    if (value === undefined || value === '') throw new Error(`${name} is not set`)
    return value
  }
  const coreBuild = env('TOKENWARD_CORE_BUILD') ?? 'package'
  if (coreBuild !== 'package' && coreBuild !== 'web-build') throw new Error(`TOKENWARD_CORE_BUILD: unknown build ${coreBuild}`)
  return { runtime, jwk: JSON.parse(read('TOKENWARD_JWK')) as Core.Jwk, jwksUrl: read('TOKENWARD_JWKS_URL'), coreBuild }
}
