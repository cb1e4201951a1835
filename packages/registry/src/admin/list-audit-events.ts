/**
 * The audit log of an organization, for its admins: `GET …/orgs/{orgId}/audit-logs`.
 *
 * @module
 */
import { type ConfigIssue } from '@tokenward/core'
import { requireApiKeyManagement } from '@tokenward/core/organization'
import { auditAction, auditActor, isAuditCursor, maxAuditPageSize, type AuditQuery } from '../audit/audit-query.ts'
import type { AuditEventShape } from '../audit/audit-sink.ts'
import { loadOrganization, type AdminContext } from './admin-context.ts'
import { errorResponse, invalidRequest, jsonResponse } from './admin-response.ts'
import { violationResponse } from './failure-response.ts'

/**
 * One line of the audit log as the admin API lists it: when, who, what and how it ended, with
 * the recorded event itself.
 *
 * @example
 * ```ts
 * const entry: AuditLogEntry = { at: '2026-01-01T00:00:00.000Z', actor: 'alice', action: 'add_server', outcome: 'accepted', event: changeEvent }
 * ```
 */
export interface AuditLogEntry {
  /** ISO 8601, or `null` for an event without a time. */
  readonly at: string | null
  /** The admin, or for API calls the admin ID `oauth-<role>$@<orgId>.<cloudDomain>` (else the client ID). */
  readonly actor: string | null
  /** A change's command type (`add_server`...), or `api_call`. */
  readonly action: string
  /** `accepted` / `rejected` for changes, `allowed` / `denied` for API calls. */
  readonly outcome: string | null
  readonly event: AuditEventShape
}

/**
 * The body of `GET …/audit-logs`: newest first, and the `cursor` of the next (older) page.
 *
 * @example
 * ```ts
 * const page: AuditLogPage = { orgId: 'acme', entries: [entry], next: null }
 * ```
 */
export interface AuditLogPage {
  readonly orgId: string
  readonly entries: readonly AuditLogEntry[]
  /** Pass it as `?cursor=` for older entries; `null` at the end. */
  readonly next: string | null
}

const known = ['from', 'to', 'actor', 'action', 'limit', 'cursor']

/**
 * `GET …/orgs/{orgId}/audit-logs?from=&to=&actor=&action=&limit=&cursor=`: the organization's
 * changes and API calls, newest first, at most `limit` (default 50, at most 100) per page.
 * `from` and `to` are ISO 8601 times (`to` exclusive). Needs the API Key Management permission;
 * readable while suspended or expired. Only the organization's own events are listed (never the
 * records of refused cross-tenant attempts, which belong to the API owner). 400
 * `invalid_request` names each bad parameter; 501 `audit_query_unsupported` when the audit sink
 * cannot be read back.
 *
 * @example
 * ```ts
 * if (route.operation === 'list_audit_events') return listAuditEvents(ctx)
 * ```
 */
export async function listAuditEvents(ctx: AdminContext): Promise<Response> {
  const org = await loadOrganization(ctx)
  if (org instanceof Response) return org
  const denied = requireApiKeyManagement(ctx.actor, 'Reading')
  if (denied !== undefined) return violationResponse(denied)
  const parsed = readAuditQuery(new URL(ctx.request.url).searchParams, org.orgId)
  if (!parsed.ok) return invalidRequest(parsed.issues)
  const query = ctx.options.audit.query
  if (query === undefined) return errorResponse(501, 'audit_query_unsupported', 'This audit sink cannot be read back')
  const page = await query.call(ctx.options.audit, parsed.query)
  const body: AuditLogPage = { orgId: org.orgId, entries: page.events.map(entryOf), next: page.next }
  return jsonResponse(200, body)
}

function entryOf(event: AuditEventShape): AuditLogEntry {
  const e = event as { at?: unknown; result?: unknown; outcome?: unknown }
  const outcome = typeof e.result === 'string' ? e.result : typeof e.outcome === 'string' ? e.outcome : null
  return {
    at: typeof e.at === 'number' && Number.isFinite(e.at) ? new Date(e.at * 1000).toISOString() : null,
    actor: auditActor(event) ?? null,
    action: auditAction(event),
    outcome,
    event,
  }
}

/**
 * Reads the query parameters of the audit log route, naming each bad one.
 *
 * @example
 * ```ts
 * readAuditQuery(new URLSearchParams('limit=500'), 'acme') // { ok: false, issues: [{ path: 'limit', … }] }
 * ```
 */
export function readAuditQuery(params: URLSearchParams, orgId: string): { ok: true; query: AuditQuery } | { ok: false; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  for (const key of new Set(params.keys())) {
    if (!known.includes(key)) issues.push({ path: key, message: 'unknown parameter' })
    else if (params.getAll(key).length > 1) issues.push({ path: key, message: 'given more than once' })
  }
  const time = (key: string): number | undefined => {
    const value = params.get(key)
    if (value === null || value === '') return undefined
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN
    if (Number.isNaN(ms)) issues.push({ path: key, message: 'must be an ISO 8601 date and time' })
    return Math.floor(ms / 1000)
  }
  const text = (key: string): string | undefined => {
    const value = params.get(key)
    if (value === null || value === '') return undefined
    if (value.length > 256) issues.push({ path: key, message: 'must be at most 256 characters' })
    return value
  }
  const from = time('from')
  const to = time('to')
  const limitText = params.get('limit')
  const limit = limitText === null || limitText === '' ? 50 : Number(limitText)
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= maxAuditPageSize)) issues.push({ path: 'limit', message: `must be an integer from 1 to ${maxAuditPageSize}` })
  const cursor = text('cursor')
  if (cursor !== undefined && !isAuditCursor(cursor)) issues.push({ path: 'cursor', message: 'must be the next value of a previous page' })
  const query: AuditQuery = { orgId, from, to, actor: text('actor'), action: text('action'), limit, cursor }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, query }
}
