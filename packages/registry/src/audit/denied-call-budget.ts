/**
 * How many refused, unauthenticated API calls are written to the audit trail one by one. Anyone
 * can send garbage tokens, so recording each one would let an anonymous caller fill the disk and
 * make every other request wait for the audit log. Per organization and window, the first few
 * refusals are recorded individually; the rest are counted per code and written as one
 * `api_calls_denied_summary` record when the window ends.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '../errors.ts'

/**
 * The refused calls of one organization and window that were counted instead of recorded one by
 * one. Written once per window that had any, after it ends (or when the verifier closes).
 *
 * @example
 * ```ts
 * const e: ApiCallsDeniedSummaryEvent = {
 *   type: 'api_calls_denied_summary', orgId: '12345', windowStart: 1_760_000_000, windowSeconds: 60,
 *   recordedIndividually: 10, counts: { invalid_token: 1480, token_expired: 10 }, at: 1_760_000_060,
 * }
 * ```
 */
export interface ApiCallsDeniedSummaryEvent {
  readonly type: 'api_calls_denied_summary'
  readonly orgId: string
  /** Seconds since the epoch, a multiple of `windowSeconds`. */
  readonly windowStart: number
  readonly windowSeconds: number
  /** How many refusals of this window were recorded as individual `api_call` records. */
  readonly recordedIndividually: number
  /** The refusals that were only counted, per error code. */
  readonly counts: Readonly<Record<string, number>>
  /** When the summary was written, in seconds since the epoch. */
  readonly at: number
}

/**
 * Options of {@link createDeniedCallBudget}.
 *
 * @example
 * ```ts
 * const options: DeniedCallBudgetOptions = { individualRecords: 10, windowSeconds: 60 }
 * ```
 */
export interface DeniedCallBudgetOptions {
  /** Refusals recorded one by one per organization and window. Default 10. */
  readonly individualRecords?: number | undefined
  /** The window length in seconds. Default 60. */
  readonly windowSeconds?: number | undefined
}

/**
 * The state of {@link createDeniedCallBudget}. Time is always a parameter.
 *
 * @example
 * ```ts
 * const { record, due } = budget.admit('12345', 'invalid_token', nowSeconds)
 * ```
 */
export interface DeniedCallBudget {
  /** The window length in seconds. */
  readonly windowSeconds: number
  /**
   * Counts one refusal. `record` says whether to write it as an individual record; `due` holds
   * the summary of this organization's previous window when this call is the first of a new one.
   */
  admit(orgId: string, code: string, nowSeconds: number): { readonly record: boolean; readonly due: readonly ApiCallsDeniedSummaryEvent[] }
  /** Summaries of every window that ended by `nowSeconds` (with `all`, of every window: on close), forgotten once returned. */
  flush(nowSeconds: number, all?: boolean): readonly ApiCallsDeniedSummaryEvent[]
}

interface Window {
  readonly start: number
  individual: number
  readonly counts: Map<string, number>
}

/**
 * Creates the per-organization budget of individually audited refusals. Memory is one small
 * window per organization that had refusals (organizations come from the registry, so this is
 * bounded by its size); options are checked here ({@link RegistryConfigError}).
 *
 * @example
 * ```ts
 * const budget = createDeniedCallBudget({ individualRecords: 3, windowSeconds: 60 })
 * for (let i = 0; i < 5; i++) budget.admit('acme', 'invalid_token', 120).record // true, true, true, false, false
 * budget.flush(180) // [{ type: 'api_calls_denied_summary', orgId: 'acme', counts: { invalid_token: 2 }, … }]
 * ```
 */
export function createDeniedCallBudget(options: DeniedCallBudgetOptions = {}): DeniedCallBudget {
  const individualRecords = options.individualRecords ?? 10
  const windowSeconds = options.windowSeconds ?? 60
  const issues: ConfigIssue[] = []
  if (!(Number.isSafeInteger(individualRecords) && individualRecords >= 0)) issues.push({ path: 'individualRecords', message: 'must be a non-negative integer' })
  if (!(Number.isSafeInteger(windowSeconds) && windowSeconds >= 1)) issues.push({ path: 'windowSeconds', message: 'must be a positive integer' })
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const windows = new Map<string, Window>()
  const summaryOf = (orgId: string, w: Window, at: number): ApiCallsDeniedSummaryEvent[] =>
    w.counts.size === 0
      ? []
      : [{ type: 'api_calls_denied_summary', orgId, windowStart: w.start, windowSeconds, recordedIndividually: w.individual, counts: Object.fromEntries(w.counts), at }]

  return {
    windowSeconds,
    admit(orgId, code, nowSeconds) {
      const start = nowSeconds - (nowSeconds % windowSeconds)
      let w = windows.get(orgId)
      let due: ApiCallsDeniedSummaryEvent[] = []
      if (w === undefined || w.start !== start) {
        if (w !== undefined) due = summaryOf(orgId, w, nowSeconds)
        w = { start, individual: 0, counts: new Map() }
        windows.set(orgId, w)
      }
      if (w.individual < individualRecords) {
        w.individual++
        return { record: true, due }
      }
      w.counts.set(code, (w.counts.get(code) ?? 0) + 1)
      return { record: false, due }
    },
    flush(nowSeconds, all = false) {
      const out: ApiCallsDeniedSummaryEvent[] = []
      for (const [orgId, w] of windows) {
        if (!all && w.start + windowSeconds > nowSeconds) continue
        out.push(...summaryOf(orgId, w, nowSeconds))
        windows.delete(orgId)
      }
      return out
    },
  }
}
