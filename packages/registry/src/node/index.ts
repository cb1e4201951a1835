/**
 * `@tokenward/registry/node`: durable implementations of the registry's ports for Node: a
 * crash-safe, multi-process organization store in a directory of JSON files, and an append-only
 * JSON-lines audit log with its reader.
 *
 * @example
 * ```ts
 * import { createFileOrganizationStore, createJsonlAuditSink } from '@tokenward/registry/node'
 *
 * const store = await createFileOrganizationStore({ directory: './data/organizations' })
 * const audit = await createJsonlAuditSink({ path: './data/audit.jsonl' })
 * ```
 *
 * @module
 */
export { createFileOrganizationStore, type FileOrganizationStoreOptions } from './file-organization-store.ts'
export { createJsonlAuditSink, type AuditBatchWritten, type JsonlAuditSinkOptions } from './jsonl-audit-sink.ts'
export { readAuditLog, type AuditLogContents, type TornAuditLine } from './read-audit-log.ts'
