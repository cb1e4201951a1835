// What the bundled cold-start probe loads for aws-jwt-verify: the same imports as the unbundled probe.
export { JwtVerifier } from 'aws-jwt-verify'
export { SimpleJwksCache } from 'aws-jwt-verify/jwk'
