/**
 * Organization rules as pure functions: effective server status, admin and provider commands with
 * their audit events, and the API-call threshold.
 *
 * @module
 */
export {
  apiKeyManagementPermission,
  type Actor,
  type IntrospectionReceipt,
  type JwksValidationReceipt,
  type Organization,
  type Suspension,
  type SuspensionReason,
} from './types.ts'
export {
  activeServer,
  effectiveServerStatus,
  isSubscriptionExpired,
  organizationAccessOf,
  type ActiveServer,
  type InactiveReason,
  type ServerStatus,
} from './status.ts'
export {
  isProviderCommandType,
  isServerCommandType,
  providerCommandTypes,
  serverCommandTypes,
  suspensionReasons,
  validateCommand,
  type AddServerCommand,
  type CommandType,
  type DeleteServerCommand,
  type DisableServerCommand,
  type EditServerCommand,
  type EnableServerCommand,
  type LiftSuspensionCommand,
  type OrganizationCommand,
  type ProviderCommand,
  type RenewSubscriptionCommand,
  type ServerCommand,
  type SetApiRolesCommand,
  type SuspendCommand,
} from './organization-command.ts'
export { applyCommand } from './commands.ts'
export type { ApplyCommandOptions, CommandOutcome } from './command-outcome.ts'
export { maxAuthorizationServers, requireServerChangesAllowed } from './server-commands.ts'
export { defaultReceiptMaxAgeSeconds, requireValidationReceipt, type JwksSourceToValidate } from './validation-receipt.ts'
export {
  apiClientsOf,
  isClientId,
  maxApiClients,
  maxClientSecrets,
  validateApiClientInput,
  type ApiClientAuthentication,
  type ApiClientInput,
  type ClientSecretHash,
  type OrganizationApiClient,
  type StoredClientSecret,
} from './api-client.ts'
export {
  apiClientCommandTypes,
  apiClientSnapshot,
  apiRoleCommandTypes,
  isApiClientCommandType,
  isApiRoleCommandType,
  requireApiClientChangesAllowed,
  type AddApiClientCommand,
  type AddApiRoleCommand,
  type ApiClientCommand,
  type ApiRoleCommand,
  type DeleteApiClientCommand,
  type DeleteApiRoleCommand,
  type DisableApiClientCommand,
  type EditApiClientCommand,
  type EditApiRoleCommand,
  type EnableApiClientCommand,
  type RotateApiClientSecretCommand,
} from './api-client-commands.ts'
export {
  isRuleViolation,
  ruleViolation,
  ruleViolationCodes,
  type RuleViolation,
  type RuleViolationCode,
  type RuleViolationDetails,
  type RuleViolationStatus,
} from './rule-violation.ts'
export type { Notice, NoticeCode } from './notice.ts'
export {
  apiCallAuditEvent,
  rejectedChangeEvent,
  serverSnapshot,
  type ApiCallAuditEvent,
  type ApiCallAuditInput,
  type AuditEvent,
  type AuditSnapshot,
  type ChangeAuditEvent,
} from './audit-event.ts'
export { redactForAudit, redactedValue, summarizePem } from './redact-for-audit.ts'
export {
  apiCallThresholdSuspension,
  decideApiCall,
  defineApiCallThreshold,
  windowStart,
  type ApiCallDecision,
  type ApiCallThreshold,
} from './api-call-threshold.ts'
export { createInMemoryApiCallCounter, type ApiCallCounter, type InMemoryApiCallCounterOptions } from './api-call-counter.ts'
export { systemActor } from './system-actor.ts'
export { requireApiKeyManagement } from './permission.ts'
export { checkOrgId, isOrgId, maxOrgIdLength } from './org-id.ts'
