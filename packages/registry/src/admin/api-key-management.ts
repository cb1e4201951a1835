/**
 * The steps the API client and API role operations share: a read under the API Key Management
 * permission, the `changes` block of their listings, and the answer to an accepted delete.
 *
 * @module
 */
import { requireApiClientChangesAllowed, requireApiKeyManagement, type Actor, type CommandOutcome, type Organization } from '@tokenward/core/organization'
import { loadOrganization, type AdminContext } from './admin-context.ts'
import { emptyResponse, jsonResponse } from './admin-response.ts'
import { violationResponse } from './failure-response.ts'
import { revisionTag } from './if-match.ts'

/** Whether the caller may change API clients and roles now, and if not the rule that refuses it. */
export interface ApiChangesView {
  readonly allowed: boolean
  readonly refusal: { readonly code: string; readonly message: string } | null
}

/**
 * The organization a read of API clients or roles answers from, or the answer that refuses the
 * read: 503 store unavailable, 404 unknown organization, 403 without API Key Management (in that
 * order). Works while the organization is suspended or expired.
 */
export async function loadForApiKeyReading(ctx: AdminContext): Promise<Organization | Response> {
  const org = await loadOrganization(ctx)
  if (org instanceof Response) return org
  const denied = requireApiKeyManagement(ctx.actor, 'Reading')
  if (denied !== undefined) return violationResponse(denied)
  return org
}

/** The `changes` block of the API client and API role listings. */
export function apiChangesView(org: Organization, actor: Actor, now: number): ApiChangesView {
  const refusal = requireApiClientChangesAllowed(org, actor, now)
  return { allowed: refusal === undefined, refusal: refusal === undefined ? null : { code: refusal.code, message: refusal.message } }
}

/** An accepted delete: 204, or 200 with `{ notices, revision }` when it has notices; both carry the new `ETag`. */
export function deletedResponse(outcome: CommandOutcome): Response {
  const { organization, notices } = outcome
  const etag = { etag: revisionTag(organization.revision) }
  if (notices.length === 0) return emptyResponse(204, etag)
  return jsonResponse(200, { notices, revision: organization.revision }, etag)
}
