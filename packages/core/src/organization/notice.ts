/**
 * Things an admin should know about an accepted change: it may disrupt or cut off the clients
 * using the enabled server, or the saved config is legal but risky (the config warnings of
 * `validateAuthorizationServer`).
 *
 * @module
 */
import type { ConfigWarningCode } from '../config/authorization-server.ts'

/**
 * Codes of {@link Notice}: `may_disrupt_clients` (the server in use was edited, or API roles were
 * removed), `clients_lose_access` (the server in use was deleted, disabled, switched away from, or
 * the organization was suspended), or a config warning code.
 *
 * @example
 * ```ts
 * const code: NoticeCode = 'clients_lose_access'
 * ```
 */
export type NoticeCode = 'may_disrupt_clients' | 'clients_lose_access' | ConfigWarningCode

/**
 * A note attached to an accepted change, for the admin UI to show.
 *
 * @example
 * ```ts
 * const n: Notice = { code: 'clients_lose_access', server: 'Okta1', message: 'Tokens issued by Okta1 are no longer accepted' }
 * ```
 */
export interface Notice {
  readonly code: NoticeCode
  readonly message: string
  /** The server concerned, when there is one. */
  readonly server?: string
  /** Config warnings: the field concerned. */
  readonly path?: string
}
