// What the bundled cold-start probe loads for tokenward: the same import as the unbundled probe.
export { createVerifier } from '@tokenward/core'
