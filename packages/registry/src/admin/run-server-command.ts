/**
 * The write path every server command takes: read the organization, check `If-Match`, take the
 * validation receipt, apply the command with the organization rules, write with compare-and-set,
 * then audit. Nothing is half-written: the store is written only after the rules accepted the
 * command, and only if nobody else wrote meanwhile.
 *
 * @module
 */
import {
  applyCommand,
  rejectedChangeEvent,
  type CommandOutcome,
  type JwksValidationReceipt,
  type Organization,
  type RuleViolation,
  type ServerCommand,
} from '@tokenward/core'
import { nowSeconds, organizationNotFound, type AdminContext } from './admin-context.ts'
import { errorResponse, invalidRequest } from './admin-response.ts'
import { conflictResponse, preconditionFailedResponse, violationResponse } from './failure-response.ts'
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
  readonly command: (receipt: JwksValidationReceipt | undefined) => ServerCommand
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
 * Runs one server command.
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
  const { store, receipts } = ctx.options
  const attempts = plan.retryOnConflict && ifMatch.kind === 'absent' ? 2 : 1
  let receipt: JwksValidationReceipt | undefined
  let taken = false
  const giveBack = async (): Promise<void> => {
    if (receipt === undefined) return
    const r = receipt
    receipt = undefined
    await receipts.save(r).catch(ctx.options.onError)
  }

  for (let attempt = 1; ; attempt++) {
    const org = await store.get(ctx.orgId)
    if (org === undefined) {
      await giveBack()
      return refuse(organizationNotFound(ctx.orgId))
    }
    if (!ifMatchAllows(ifMatch, org.revision)) {
      await giveBack()
      return refuse(preconditionFailedResponse(org.revision))
    }
    if (plan.validationId !== undefined && !taken) {
      taken = true
      receipt = await receipts.take(ctx.orgId, plan.validationId)
    }
    const command = plan.command(receipt)
    const now = nowSeconds(ctx)
    const applied = applyCommand(org, command, ctx.actor, now, receiptMaxAge(ctx))
    if (!applied.ok) {
      await giveBack()
      await auditRejected(ctx, org, command, applied.error, now)
      return refuse(violationResponse(applied.error))
    }
    const outcome = applied.value
    if (!outcome.changed) {
      await giveBack()
      return { ok: true, outcome }
    }
    const put = await store.put(outcome.organization, org.revision)
    if (!put.ok) {
      if (attempt < attempts) continue
      await giveBack()
      return refuse(conflictResponse(org.revision, put.currentRevision))
    }
    const auditFailure = await recordEvents(ctx, outcome)
    if (auditFailure !== undefined) return refuse(auditFailure)
    return { ok: true, outcome }
  }
}

function refuse(response: Response): ServerCommandResult {
  return { ok: false, response }
}

function receiptMaxAge(ctx: AdminContext): { receiptMaxAgeSeconds?: number } {
  const maxAge = ctx.options.receiptMaxAgeSeconds
  return maxAge === undefined ? {} : { receiptMaxAgeSeconds: maxAge }
}

async function auditRejected(ctx: AdminContext, org: Organization, command: ServerCommand, violation: RuleViolation, now: number): Promise<void> {
  if (!ctx.options.auditRejected) return
  try {
    await ctx.options.audit.record(rejectedChangeEvent(org, command, ctx.actor, violation, now))
  } catch (error) {
    // The refusal stands either way; the operator hears about the lost record.
    ctx.options.onError(error)
  }
}

async function recordEvents(ctx: AdminContext, outcome: CommandOutcome): Promise<Response | undefined> {
  try {
    for (const event of outcome.events) await ctx.options.audit.record(event)
    return undefined
  } catch (error) {
    ctx.options.onError(error)
    const revision = outcome.organization.revision
    return errorResponse(500, 'audit_failed', `The change was saved (revision ${revision}) but its audit record could not be written`, {
      details: { committed: true, revision },
    })
  }
}
