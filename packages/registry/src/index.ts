/**
 * `@tokenward/registry`: the organization registry's ports (organization store, receipt store,
 * audit sink), their in-memory implementations and the registry errors. Web-standard; the
 * durable Node implementations are in `@tokenward/registry/node`.
 *
 * @example
 * ```ts
 * import { createInMemoryAuditSink, createInMemoryOrganizationStore } from '@tokenward/registry'
 *
 * const store = createInMemoryOrganizationStore()
 * const audit = createInMemoryAuditSink()
 * ```
 *
 * @module
 */
export {
  AuditEventNotSerializableError,
  AuditSinkClosedError,
  AuditSinkOverloadedError,
  InvalidOrgIdError,
  InvalidRevisionError,
  RegistryConfigError,
  RegistryError,
  StoreClosedError,
  StoreCorruptionError,
  StoreLockTimeoutError,
  isRegistryError,
  type RegistryErrorCode,
  type RegistryFailure,
} from './errors.ts'

export { checkOrgId } from './store/org-id.ts'
export {
  assertPutArguments,
  assertStorableOrgId,
  mergeKeyFetchRecord,
  type KeyFetchRecord,
  type OrganizationPutResult,
  type OrganizationStore,
} from './store/organization-store.ts'
export { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'
export type { ReceiptStore } from './store/receipt-store.ts'
export { createInMemoryReceiptStore, type InMemoryReceiptStoreOptions } from './store/in-memory-receipt-store.ts'

export type { AuditEventShape, AuditSink } from './audit/audit-sink.ts'
export { auditAction, auditActor, maxAuditPageSize, pageAuditEvents, type AuditPage, type AuditQuery } from './audit/audit-query.ts'
export { serializeAuditEvent } from './audit/serialize-audit-event.ts'
export { createInMemoryAuditSink, type InMemoryAuditSink, type InMemoryAuditSinkOptions } from './audit/in-memory-audit-sink.ts'
export {
  createDeniedCallBudget,
  type ApiCallsDeniedSummaryEvent,
  type DeniedCallBudget,
  type DeniedCallBudgetOptions,
} from './audit/denied-call-budget.ts'

export { changeOrganization, type OrganizationChange, type OrganizationChangeResult } from './write/change-organization.ts'
export * from './admin/index.ts'
export {
  createRegistryVerifier,
  type RegistryAuditEvent,
  type RegistryTarget,
  type RegistryTimers,
  type RegistryVerifier,
  type RegistryVerifierOptions,
} from './registry-verifier.ts'
export { registryGuard } from './registry-guard.ts'
export type { BuiltInIssuerOptions } from './issued-tokens.ts'
