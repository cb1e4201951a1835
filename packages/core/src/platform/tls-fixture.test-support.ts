/**
 * Test support (never shipped): a throw-away certificate authority and HTTPS servers on
 * 127.0.0.1, generated at test time with node-forge. Used by the node-http and JWKS tests and by
 * the cross-package tests under `/tests`.
 *
 * It lives in `packages/core/src` because the core project's `rootDir` is `src`: a core test cannot
 * import a file outside it.
 *
 * @module
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import forge from 'node-forge'

/** A PEM certificate and its PEM private key. */
export interface TestCertificate {
  readonly certificatePem: string
  readonly privateKeyPem: string
}

/** A certificate authority that can issue server certificates. */
export interface TestCertificateAuthority extends TestCertificate {
  /** Issues a server certificate for the given names (DNS and IP subject alternative names). */
  issue(names: { readonly dnsNames?: readonly string[]; readonly ipAddresses?: readonly string[] }): TestCertificate
  /** Issues a client certificate (extended key usage `clientAuth`) for mutual TLS. */
  issueClient(commonName: string): TestCertificate
}

// node:crypto generates RSA keys in native code; node-forge only builds and signs the certificates.
const rsaKeyPair = (): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; privateKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKeyPem: privateKey,
  }
}

const validity = (cert: forge.pki.Certificate): void => {
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000)
  cert.validity.notAfter = new Date(Date.now() + 24 * 60 * 60 * 1000)
}

/**
 * Creates a fresh certificate authority (RSA 2048, valid for a day).
 *
 * @example
 * ```ts
 * const ca = createTestCertificateAuthority()
 * const leaf = ca.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
 * ```
 */
export function createTestCertificateAuthority(commonName = 'tokenward test CA'): TestCertificateAuthority {
  const caKeys = rsaKeyPair()
  const caCert = forge.pki.createCertificate()
  caCert.publicKey = caKeys.publicKey
  validity(caCert)
  const caSubject = [{ name: 'commonName', value: commonName }]
  caCert.setSubject(caSubject)
  caCert.setIssuer(caSubject)
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  caCert.sign(caKeys.privateKey, forge.md.sha256.create())

  return {
    certificatePem: forge.pki.certificateToPem(caCert),
    privateKeyPem: caKeys.privateKeyPem,
    issue({ dnsNames = [], ipAddresses = [] }) {
      const keys = rsaKeyPair()
      const cert = forge.pki.createCertificate()
      cert.publicKey = keys.publicKey
      validity(cert)
      cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? ipAddresses[0] ?? 'server' }])
      cert.setIssuer(caSubject)
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...dnsNames.map((value) => ({ type: 2, value })),
            ...ipAddresses.map((ip) => ({ type: 7, ip })),
          ],
        },
        { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ])
      cert.sign(caKeys.privateKey, forge.md.sha256.create())
      return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem }
    },
    issueClient(clientName) {
      const keys = rsaKeyPair()
      const cert = forge.pki.createCertificate()
      cert.publicKey = keys.publicKey
      validity(cert)
      cert.setSubject([{ name: 'commonName', value: clientName }])
      cert.setIssuer(caSubject)
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
        { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ])
      cert.sign(caKeys.privateKey, forge.md.sha256.create())
      return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem }
    },
  }
}

/** A running test server. */
export interface TestServer {
  /** `https://127.0.0.1:<port>` (or `http://…`), no trailing slash. */
  readonly origin: string
  /** Stops accepting connections and drops open ones. */
  close(): Promise<void>
}

/** A request handler for a test server. */
export type TestHandler = (request: IncomingMessage, response: ServerResponse) => void

const listen = async (server: Server, scheme: 'http' | 'https'): Promise<TestServer> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Starts an HTTPS server on 127.0.0.1 and an ephemeral port with the given certificate.
 *
 * @example
 * ```ts
 * const server = await startHttpsServer(leaf, (req, res) => res.end('{"keys":[]}'))
 * // … request `${server.origin}/jwks` …
 * await server.close()
 * ```
 */
export function startHttpsServer(certificate: TestCertificate, handler: TestHandler): Promise<TestServer> {
  return listen(createHttpsServer({ cert: certificate.certificatePem, key: certificate.privateKeyPem }, handler), 'https')
}

/**
 * Starts an HTTPS server on 127.0.0.1 that requires a client certificate issued by `clientCa`
 * (mutual TLS): a handshake without one, or with one from another CA, is refused.
 *
 * @example
 * ```ts
 * const server = await startMutualTlsServer(leaf, ca.certificatePem, (req, res) => res.end('ok'))
 * ```
 */
export function startMutualTlsServer(certificate: TestCertificate, clientCaPem: string, handler: TestHandler): Promise<TestServer> {
  return listen(
    createHttpsServer({ cert: certificate.certificatePem, key: certificate.privateKeyPem, ca: clientCaPem, requestCert: true, rejectUnauthorized: true }, handler),
    'https',
  )
}

/**
 * Starts a plain HTTP server on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * ```ts
 * const server = await startHttpServer((req, res) => res.end('ok'))
 * await server.close()
 * ```
 */
export function startHttpServer(handler: TestHandler): Promise<TestServer> {
  return listen(createHttpServer(handler), 'http')
}
