/**
 * The connection settings of an authorization server config (PingAccess "targets", "use proxy",
 * "trusted certificate group"): alternative origins, an `http:` forward proxy, and whether
 * `trustedCertificates` add to the default CAs or replace them. Plain strings, so a config stays
 * JSON-compatible, storable data; the HTTP layer turns them into URLs.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import { defineTargets } from '../network/with-targets.ts'
import type { TrustMode } from '../platform/types.ts'

/**
 * The validated connection members, each present only when configured.
 *
 * @example
 * ```ts
 * const checked = checkConnection({ targets: ['https://as-2.example'], trustMode: 'add' }, 0)
 * if (checked.ok) console.log(checked.value.targets) // ['https://as-2.example']
 * ```
 */
export interface ConnectionConfig {
  /** Alternative origins (`https://host[:port]`), tried in order after the endpoint's own. */
  readonly targets?: readonly string[] | undefined
  /** An `http:` forward proxy URL (`CONNECT` tunnel for `https:` endpoints). */
  readonly proxy?: string | undefined
  /** `'add'` (the default): `trustedCertificates` join the default CAs; `'only'`: they replace them. */
  readonly trustMode?: TrustMode | undefined
}

/**
 * Checks `targets`, `proxy` and `trustMode` of an authorization server config, naming every bad
 * field by its path. `trustMode: 'only'` needs at least one of `trustedCertificates` (their
 * count is passed in). A proxy URL must not carry credentials: they would be a secret inside a
 * plain string that errors and audit records may show.
 *
 * @example
 * ```ts
 * checkConnection({ proxy: 'https://proxy.internal:3128' }, 0)
 * // { ok: false, issues: [{ path: 'proxy', message: 'must be an http: URL (…)' }] }
 * ```
 */
export function checkConnection(
  o: Readonly<Record<string, unknown>>,
  trustedCertificateCount: number,
): { readonly ok: true; readonly value: ConnectionConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  let targets: readonly string[] | undefined
  if (o.targets !== undefined) {
    const checked = Array.isArray(o.targets) && o.targets.some((t) => typeof t !== 'string')
      ? { ok: false as const, error: o.targets.flatMap((t: unknown, i) => (typeof t === 'string' ? [] : [{ path: `targets[${i}]`, message: 'must be a string origin such as https://as-2.example' }])) }
      : defineTargets(o.targets, 'targets')
    if (!checked.ok) issues.push(...checked.error)
    else if (checked.value.length > 16) issues.push({ path: 'targets', message: 'must list at most 16 origins' })
    else targets = Object.freeze(checked.value.map((u) => u.origin))
  }
  let proxy: string | undefined
  if (o.proxy !== undefined) {
    const problem = proxyProblem(o.proxy)
    if (problem !== undefined) issues.push({ path: 'proxy', message: problem })
    else proxy = new URL(o.proxy as string).href
  }
  let trustMode: TrustMode | undefined
  if (o.trustMode !== undefined) {
    if (o.trustMode !== 'add' && o.trustMode !== 'only') issues.push({ path: 'trustMode', message: 'must be "add" or "only"' })
    else if (o.trustMode === 'only' && trustedCertificateCount === 0) {
      issues.push({ path: 'trustMode', message: '"only" replaces the default CAs with trustedCertificates, so it needs at least one of them' })
    } else trustMode = o.trustMode
  }
  if (issues.length > 0) return { ok: false, issues }
  return {
    ok: true,
    value: {
      ...(targets === undefined ? {} : { targets }),
      ...(proxy === undefined ? {} : { proxy }),
      ...(trustMode === undefined ? {} : { trustMode }),
    },
  }
}

function proxyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty URL such as http://proxy.internal:3128'
  if (value.length > 2048) return 'must be at most 2048 characters'
  if (!URL.canParse(value)) return 'must be an absolute URL such as http://proxy.internal:3128'
  const url = new URL(value)
  if (url.protocol !== 'http:') return 'must be an http: URL (https requests are tunnelled through it with CONNECT)'
  if (url.username !== '' || url.password !== '') return 'must not carry credentials'
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return 'must be scheme, host and port only (no path, query or fragment)'
  return undefined
}
