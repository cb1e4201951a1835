// oidc-provider ships no type declarations and @types/oidc-provider is not installed. This is the
// small part of its API the interop tests use (see node_modules/oidc-provider/lib/provider.js:
// `Provider extends Koa`, so `callback()` is Koa's request listener).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** The provider configuration; only the members the tests set are spelled out. */
  export interface Configuration {
    readonly clients?: readonly Record<string, unknown>[]
    readonly jwks?: { readonly keys: readonly Record<string, unknown>[] }
    readonly features?: Record<string, unknown>
    readonly [member: string]: unknown
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    /** Koa's request listener for `node:http` / `node:https`. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  export const errors: {
    readonly InvalidTarget: new (description?: string, detail?: string) => Error
  }

  export default Provider
}
