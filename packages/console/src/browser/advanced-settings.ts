// "Show Advanced Settings" of the Add / Edit Authorization Server dialog: PingAccess's connection
// fields (seed 003's labels) read into the config members `introspection`, `tokenEndpoint`,
// `subjectAttributeName`, `proxy` and `dpop`, and filled back from a server view — which never
// carries the client secret or private keys, so those inputs always start empty.
import type { AuthorizationServerView } from '@tokenward/registry'
import { byId } from './build-element.ts'

/** The inputs of the advanced settings, by the suffix of their `f-…` id. */
export const advancedFieldNames = [
  'introspectionEndpoint',
  'tokenEndpoint',
  'introspectionClientId',
  'clientCredentialsType',
  'clientSecret',
  'clientCertificate',
  'clientPrivateKey',
  'privateKeyJwt',
  'tokenTimeToLive',
  'subjectAttributeName',
  'proxy',
  'dpopMode',
  'dpopProofLifetime',
] as const

type CredentialsType = 'secret' | 'mtls' | 'jwt'
type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement

const typeOfMethod = (method: unknown): CredentialsType =>
  method === 'tls_client_auth' || method === 'self_signed_tls_client_auth' ? 'mtls' : method === 'private_key_jwt' ? 'jwt' : 'secret'

const secretHint = 'Never shown again once saved.'
const storedHint = 'Stored, and never shown: enter it again to validate and save changes.'

export interface AdvancedSettings {
  /** Fills the inputs from a stored server (or the defaults for a new one) and folds the section. */
  fill(view: AuthorizationServerView | undefined): void
  /** The `introspection` section as typed, or `undefined` when neither endpoint nor client ID is. */
  introspection(): Record<string, unknown> | undefined
  /** The proxy URL when Use Proxy is on. */
  proxy(): string | undefined
  /** Writes the advanced members into a config (removing the ones left empty). */
  apply(config: Record<string, unknown>): void
  /** What Validate checks, as one string: Save needs it unchanged since the last good Validate. */
  signature(): string
  /** The input an API issue path belongs to, if it is one of these. */
  fieldOfIssue(path: string): (typeof advancedFieldNames)[number] | undefined
  /** Unfolds the section (to show a field error inside it). */
  reveal(): void
}

export function setUpAdvancedSettings(): AdvancedSettings {
  const field = <T extends Field = HTMLInputElement>(name: string): T => byId<T>(`f-${name}`)
  const value = (name: string): string => field(name).value.trim()
  const checkbox = (name: string): HTMLInputElement => field(name)
  const toggle = byId<HTMLButtonElement>('advanced-toggle')
  const section = byId('advanced')
  const credentialsType = field<HTMLSelectElement>('clientCredentialsType')
  const useProxy = checkbox('useProxy')
  let stored: Record<string, unknown> | undefined

  const show = (open: boolean): void => {
    section.hidden = !open
    toggle.setAttribute('aria-expanded', String(open))
    toggle.textContent = open ? 'Hide Advanced Settings' : 'Show Advanced Settings'
  }
  const showCredentials = (): void => {
    for (const node of document.querySelectorAll<HTMLElement>('[data-credentials]')) node.hidden = node.dataset.credentials !== credentialsType.value
  }
  toggle.addEventListener('click', () => show(section.hidden))
  credentialsType.addEventListener('change', showCredentials)
  useProxy.addEventListener('change', () => (byId('proxy-field').hidden = !useProxy.checked))

  const clientAuthentication = (): Record<string, unknown> => {
    const previous = (stored?.clientAuthentication ?? {}) as Record<string, unknown>
    const type = credentialsType.value as CredentialsType
    // The stored method is kept when its type is still chosen (client_secret_post stays post).
    const keep = typeof previous.method === 'string' && typeOfMethod(previous.method) === type
    if (type === 'secret') return { method: keep ? previous.method : 'client_secret_basic', clientSecret: field('clientSecret').value }
    if (type === 'mtls') {
      return { method: keep ? previous.method : 'tls_client_auth', certificate: value('clientCertificate'), privateKey: value('clientPrivateKey') }
    }
    const key = value('privateKeyJwt')
    let privateKey: unknown = key
    if (key.startsWith('{')) {
      try {
        privateKey = JSON.parse(key)
      } catch {
        // Sent as typed: the API names the field.
      }
    }
    const { method: _m, privateKey: _k, ...rest } = keep ? previous : {}
    return { method: 'private_key_jwt', ...rest, privateKey }
  }

  const settings: AdvancedSettings = {
    fill(view) {
      const config = (view?.config ?? {}) as unknown as Record<string, unknown>
      stored = config.introspection as Record<string, unknown> | undefined
      const auth = (stored?.clientAuthentication ?? {}) as Record<string, unknown>
      field('introspectionEndpoint').value = typeof stored?.endpoint === 'string' ? stored.endpoint : ''
      field('introspectionClientId').value = typeof stored?.clientId === 'string' ? stored.clientId : ''
      credentialsType.value = typeOfMethod(auth.method)
      for (const name of ['clientSecret', 'clientPrivateKey', 'privateKeyJwt']) field(name).value = ''
      field('clientCertificate').value = typeof auth.certificate === 'string' ? auth.certificate : ''
      const hint = stored === undefined ? secretHint : storedHint
      byId('f-clientSecret-hint').textContent = hint
      byId('f-clientPrivateKey-hint').textContent = hint
      byId('f-privateKeyJwt-hint').textContent = stored === undefined ? `Signs the client assertions. ${secretHint}` : storedHint
      checkbox('cacheTokens').checked = stored?.cacheTokens !== false
      field('tokenTimeToLive').value = String(typeof stored?.tokenTimeToLiveSeconds === 'number' ? stored.tokenTimeToLiveSeconds : -1)
      checkbox('sendAudience').checked = stored?.sendAudience === true
      field('tokenEndpoint').value = typeof config.tokenEndpoint === 'string' ? config.tokenEndpoint : ''
      field('subjectAttributeName').value = typeof config.subjectAttributeName === 'string' ? config.subjectAttributeName : ''
      useProxy.checked = typeof config.proxy === 'string'
      field('proxy').value = typeof config.proxy === 'string' ? config.proxy : ''
      byId('proxy-field').hidden = !useProxy.checked
      const dpop = (config.dpop ?? {}) as Record<string, unknown>
      field<HTMLSelectElement>('dpopMode').value = typeof dpop.mode === 'string' ? dpop.mode : 'off'
      checkbox('dpopRequireNonce').checked = dpop.requireNonce === true
      field('dpopProofLifetime').value = String(typeof dpop.proofLifetimeSeconds === 'number' ? dpop.proofLifetimeSeconds : 120)
      showCredentials()
      show(false)
    },
    introspection() {
      if (value('introspectionEndpoint') === '' && value('introspectionClientId') === '') return undefined
      const { clientAuthentication: _, ...kept } = stored ?? {}
      const ttl = value('tokenTimeToLive')
      return {
        ...kept,
        endpoint: value('introspectionEndpoint'),
        clientId: value('introspectionClientId'),
        clientAuthentication: clientAuthentication(),
        cacheTokens: checkbox('cacheTokens').checked,
        tokenTimeToLiveSeconds: ttl === '' ? -1 : Number(ttl),
        sendAudience: checkbox('sendAudience').checked,
      }
    },
    proxy() {
      return useProxy.checked && value('proxy') !== '' ? value('proxy') : undefined
    },
    apply(config) {
      const set = (member: string, v: unknown): void => {
        if (v === undefined) delete config[member]
        else config[member] = v
      }
      set('introspection', settings.introspection())
      // Only when filled (the member is new in the config).
      set('tokenEndpoint', value('tokenEndpoint') === '' ? undefined : value('tokenEndpoint'))
      set('subjectAttributeName', value('subjectAttributeName') === '' ? undefined : value('subjectAttributeName'))
      set('proxy', settings.proxy())
      const mode = field<HTMLSelectElement>('dpopMode').value
      const requireNonce = checkbox('dpopRequireNonce').checked
      const lifetime = value('dpopProofLifetime')
      const proofLifetimeSeconds = lifetime === '' ? 120 : Number(lifetime)
      const untouched = mode === 'off' && !requireNonce && proofLifetimeSeconds === 120
      if (!(untouched && config.dpop === undefined)) set('dpop', { ...((config.dpop ?? {}) as object), mode, requireNonce, proofLifetimeSeconds })
    },
    signature() {
      return JSON.stringify([settings.introspection() ?? null, settings.proxy() ?? null])
    },
    fieldOfIssue(path) {
      if (path === 'tokenEndpoint' || path === 'subjectAttributeName' || path === 'proxy') return path
      if (path === 'dpop.proofLifetimeSeconds') return 'dpopProofLifetime'
      if (path.startsWith('dpop')) return 'dpopMode'
      if (path === 'introspection.endpoint') return 'introspectionEndpoint'
      if (path === 'introspection.clientId') return 'introspectionClientId'
      if (path === 'introspection.tokenTimeToLiveSeconds') return 'tokenTimeToLive'
      if (path.startsWith('introspection.clientAuthentication.')) {
        const member = path.slice('introspection.clientAuthentication.'.length)
        if (member === 'clientSecret') return 'clientSecret'
        if (member === 'certificate') return 'clientCertificate'
        if (member.startsWith('privateKey')) return credentialsType.value === 'jwt' ? 'privateKeyJwt' : 'clientPrivateKey'
        return 'clientCredentialsType'
      }
      if (path.startsWith('introspection')) return 'introspectionEndpoint'
      return undefined
    },
    reveal() {
      show(true)
    },
  }
  return settings
}
