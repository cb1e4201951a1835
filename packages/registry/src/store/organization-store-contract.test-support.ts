// Test support: the exported contract (testing/organization-store-contract.ts) bound to vitest,
// with the signature the package's own tests have always used. Not part of the package.
import { describe, expect, it } from 'vitest'
import type { OrganizationStore } from './organization-store.ts'
import { describeOrganizationStoreContract as describeWith } from '../testing/organization-store-contract.ts'

export { rejectedOrgIds, sampleOrganization } from '../testing/organization-store-contract.ts'

/** Runs the contract under vitest. */
export function describeOrganizationStoreContract(
  name: string,
  open: () => Promise<{ readonly store: OrganizationStore; readonly cleanup: () => Promise<void> }>,
): void {
  describeWith({ describe, it, expect: expect as never }, name, open)
}
