import { describe, it } from 'vitest'
import { clientStoreContract, createInMemoryClientStore } from './client-store.ts'

describe('ClientStore contract: in memory', () => {
  for (const c of clientStoreContract) it(c.name, () => c.run(createInMemoryClientStore()))
})
