/**
 * Every server command of the admin API: check `If-Match`, take the validation receipt, then run
 * the registry's one write path (`changeOrganization`: read, apply the rules, compare-and-set,
 * audit) and translate its result into HTTP. Nothing is half-written: the store is written only
 * after the rules accepted the command, and only if nobody else wrote meanwhile.
 *
 * @module
 */
import { StoreUnavailableError } from '@tokenward/core'
import { type ApiClientCommand, type ApiRoleCommand, type CommandOutcome, type JwksValidationReceipt, type ServerCommand } from '@tokenward/core/organization'
import { changeOrganization, storeCall } from '../write/change-organization.ts'
import { nowSeconds, organizationNotFound, type AdminContext } from './admin-context.ts'
import { errorResponse, invalidRequest } from './admin-response.ts'
import { conflictResponse, preconditionFailedResponse, unavailableResponse, violationResponse } from './failure-response.ts'
import { ifMatchAllows, parseIfMatch } from './if-match.ts'

/**
 * What to run: the command (built once the receipt, if any, has been taken), the receipt to
 * take, and whether a lost revision race may be retried once.
 *
 * @example
 * ```ts
 * const plan: ServerCommandPlan = { command: () => ({ type: 'disable_server', name: 'Okta1' }), validationId: undefined, retryOnConflict: true }
 * ```
 */
export interface ServerCommandPlan {
  readonly command: (receipt: JwksValidationReceipt | undefined) => ServerCommand | ApiClientCommand | ApiRoleCommand
  /** Taken from the receipt store (single use) when given. */
  readonly validationId: string | undefined
  /**
   * Retry once, from a fresh read, when another write won the race. Only for idempotent commands
   * (enable, disable) and only without `If-Match`, which pins the revision.
   */
  readonly retryOnConflict: boolean
}

/**
 * The outcome of {@link runServerCommand}: the accepted outcome (written and audited when it
 * changed anything), or the answer that refuses the request.
 *
 * @example
 * ```ts
 * const r: ServerCommandResult = await runServerCommand(ctx, plan)
 * if (!r.ok) return r.response
 * ```
 */
export type ServerCommandResult = { readonly ok: true; readonly outcome: CommandOutcome } | { readonly ok: false; readonly response: Response }

/**
 * Runs one admin command (authorization servers, API clients, API roles).
 *
 * Order: `If-Match` syntax (400); the organization exists (404); `If-Match` names its revision
 * (412); the receipt is taken; the rules (their status: 400/403/404/409, audited with
 * `rejectedChangeEvent` when `auditRejected`); `put(next, revisionRead)` (409 `conflict`, after
 * one retry for idempotent commands); then every event goes to the audit sink, in order. A
 * receipt is used up only by a change that was written: it is put back when the request is
 * refused, loses the race or changes nothing. An audit sink failure after the write answers 500
 * `audit_failed` (the change is saved; the body says which revision) and is reported to
 * `onError`.
 *
 * @example
 * ```ts
 * const r = await runServerCommand(ctx, { command: () => ({ type: 'delete_server', name: 'Okta1' }), validationId: undefined, retryOnConflict: false })
 * if (r.ok) console.log(r.outcome.organization.revision, r.outcome.notices)
 * ```
 */
export async function runServerCommand(ctx: AdminContext, plan: ServerCommandPlan): Promise<ServerCommandResult> {
  const ifMatch = parseIfMatch(ctx.request.headers.get('if-match'))
  if (ifMatch === undefined) return refuse(invalidRequest([{ path: 'headers.if-match', message: 'must be "*" or a list of quoted entity tags, e.g. "7"' }]))
  const { options } = ctx
  const { validationId } = plan
  const receipt = validationId === undefined ? undefined : await storeCall(() => options.receipts.take(ctx.orgId, validationId), 'receipt store')
  if (receipt instanceof StoreUnavailableError) {
    options.onError(receipt.cause ?? receipt)
    return refuse(unavailableResponse(receipt))
  }
  const result = await changeOrganization(options.store, options.audit, {
    orgId: ctx.orgId,
    command: plan.command(receipt),
    actor: ctx.actor,
    now: nowSeconds(ctx),
    ifRevision: (revision) => ifMatchAllows(ifMatch, revision),
    attempts: plan.retryOnConflict && ifMatch.kind === 'absent' ? 2 : 1,
    ...(options.receiptMaxAgeSeconds === undefined ? {} : { receiptMaxAgeSeconds: options.receiptMaxAgeSeconds }),
    auditRefusals: options.auditRejected,
  })
  // A receipt is used up only by a change that was written.
  if (result.kind !== 'changed' && receipt !== undefined) await options.receipts.save(receipt).catch(options.onError)

  switch (result.kind) {
    case 'changed': {
      if (result.auditError === undefined) return { ok: true, outcome: result.outcome }
      options.onError(result.auditError.cause ?? result.auditError)
      const revision = result.outcome.organization.revision
      return refuse(
        errorResponse(500, 'audit_failed', `The change was saved (revision ${revision}) but its audit record could not be written`, {
          details: { committed: true, revision },
        }),
      )
    }
    case 'unchanged':
      return { ok: true, outcome: result.outcome }
    case 'not_found':
      return refuse(organizationNotFound(ctx.orgId))
    case 'precondition_failed':
      return refuse(preconditionFailedResponse(result.currentRevision))
    case 'refused':
      // The refusal stands either way; the operator hears about the lost record.
      if (result.auditError !== undefined) options.onError(result.auditError.cause ?? result.auditError)
      return refuse(violationResponse(result.violation))
    case 'conflict':
      return refuse(conflictResponse(result.readRevision, result.currentRevision))
    case 'unavailable':
      options.onError(result.error.cause ?? result.error)
      return refuse(unavailableResponse(result.error))
  }
}

function refuse(response: Response): ServerCommandResult {
  return { ok: false, response }
}
