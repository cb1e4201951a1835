/**
 * `@tokenward/console`: the admin console an API owner mounts for its customers' admins — the
 * "OAuth 2.0 Authorization Servers" page, served by one `(Request) => Promise<Response>` handler
 * that talks only to the admin API of `@tokenward/registry`.
 *
 * @example
 * ```ts
 * import { createAdminConsole } from '@tokenward/console'
 *
 * Deno.serve(createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/' }))
 * ```
 *
 * @module
 */
export { createAdminConsole, type AdminConsole, type AdminConsoleOptions } from './create-admin-console.ts'
export { ConsoleConfigError, type ConsoleConfigIssue } from './console-config-error.ts'
export { consoleContentSecurityPolicy } from './security-headers.ts'
