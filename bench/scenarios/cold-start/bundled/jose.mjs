// What the bundled cold-start probe loads for jose: the same imports as the unbundled probe.
export { createRemoteJWKSet, importJWK, jwtVerify } from 'jose'
