/**
 * `@tokenward/registry/testing`: the contract suites a port implementation must pass, for
 * implementers of stores (the Redis package runs them unchanged).
 *
 * @module
 */
export {
  describeOrganizationStoreContract,
  rejectedOrgIds,
  sampleOrganization,
  type ContractMatchers,
  type ContractTestRunner,
} from './organization-store-contract.ts'
