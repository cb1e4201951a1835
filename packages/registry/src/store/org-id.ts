/**
 * The organization IDs a store accepts: the one rule of `@tokenward/core` (`checkOrgId`), so the
 * resolver, the stores, the admin API and config agree. The same rule holds for every store, so
 * data can move between the in-memory store, the file store and any other implementation.
 *
 * @module
 */
export { checkOrgId } from '@tokenward/core/organization'
