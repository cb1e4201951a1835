// The Add / Edit Authorization Server dialog: Validate first, then Save (shown only while the
// JWKS location, certificate setting and introspection connection are exactly the ones
// validated), field errors beside their fields, the in-use warning to confirm and the offer to
// switch the enabled server. The advanced settings live in advanced-settings.ts.
import type { AdminErrorBody, AuthorizationServerView, JwksValidationResult, ServerChangeBody } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { advancedFieldNames, setUpAdvancedSettings } from './advanced-settings.ts'
import { byId, h } from './build-element.ts'
import { serverInUse, type PageState } from './page-state.ts'
import { resultInWords } from './report-words.ts'

const basicFieldNames = ['name', 'description', 'jwksUrl', 'jwksCertificateValidation', 'audience', 'issuer', 'clientId'] as const
const fieldNames = [...basicFieldNames, ...advancedFieldNames]

interface Validated {
  /** What was validated (see `sourceSignature`). */
  readonly signature: string
  readonly validationId: string
}

export interface ServerDialog {
  open(view: AuthorizationServerView | undefined, opener: HTMLElement): void
}

export function setUpServerDialog(client: AdminClient, state: PageState, changed: (notices: readonly string[]) => Promise<void>): ServerDialog {
  const dialog = byId<HTMLDialogElement>('server-dialog')
  const form = byId<HTMLFormElement>('server-form')
  const input = (name: string): HTMLInputElement => byId<HTMLInputElement>(`f-${name}`)
  const advanced = setUpAdvancedSettings()
  const enabled = input('enabled')
  const url = input('jwksUrl')
  const tls = input('jwksCertificateValidation')
  const save = byId<HTMLButtonElement>('save')
  const validate = byId<HTMLButtonElement>('validate')
  const report = byId('validation-report')
  const formError = byId('form-error')
  const switchOffer = byId('switch-offer')
  const switchBox = input('switch')
  const disruption = byId('disruption')
  const confirmBox = input('confirm')
  let editing: AuthorizationServerView | undefined
  let validated: Validated | undefined
  let opener: HTMLElement | undefined

  const clearErrors = (): void => {
    for (const name of fieldNames) {
      byId(`f-${name}-error`).textContent = ''
      input(name).removeAttribute('aria-invalid')
    }
    formError.textContent = ''
  }
  // The issuer is part of it only with introspection (a private_key_jwt assertion's audience).
  const sourceSignature = (): string => {
    const introspection = advanced.introspection()
    return JSON.stringify([url.value.trim(), tls.checked, advanced.signature(), introspection === undefined && editing?.config.discovery === undefined ? null : input('issuer').value.trim()])
  }
  const showSave = (): void => {
    save.hidden = !(validated !== undefined && validated.signature === sourceSignature())
  }
  const onSourceChange = (): void => {
    if (validated !== undefined && validated.signature !== sourceSignature()) {
      validated = undefined
      report.replaceChildren(h('p', {}, 'The validated settings changed: validate again to save.'))
    }
    showSave()
  }
  const updateWarnings = (): void => {
    const inUse = serverInUse(state.list)
    const other = inUse !== undefined && inUse.name !== editing?.name ? inUse : undefined
    switchOffer.hidden = !(enabled.checked && other !== undefined)
    if (other !== undefined) {
      byId('switch-text').textContent = `Only one authorization server can be enabled at a time, and "${other.name}" is enabled now.`
      byId('switch-label').textContent = `Disable "${other.name}" and enable this server in one change`
    }
    const editingInUse = editing !== undefined && editing.status === 'enabled'
    disruption.hidden = !editingInUse
    if (editingInUse) {
      byId('disruption-text').textContent = enabled.checked
        ? 'This authorization server is in use. Changes to its configuration may disrupt the API service: client applications may be refused until their tokens match the new settings. Make the same changes in your client applications.'
        : 'This authorization server is in use. If you disable it, client applications can no longer access the API using OAuth 2.0.'
    }
  }
  const showIssues = (body: AdminErrorBody): void => {
    const rest: string[] = []
    for (const issue of body.issues ?? []) {
      const inAdvanced = advanced.fieldOfIssue(issue.path)
      if (inAdvanced !== undefined) advanced.reveal()
      const field = inAdvanced ?? /^[A-Za-z]+/.exec(issue.path)?.[0]
      if (field !== undefined && (fieldNames as readonly string[]).includes(field)) {
        const target = byId(`f-${field}-error`)
        target.textContent = [target.textContent, issue.message].filter((t) => t !== '').join('; ')
        input(field).setAttribute('aria-invalid', 'true')
      } else rest.push(`${issue.path || '(request)'}: ${issue.message}`)
    }
    const first = document.querySelector<HTMLElement>('#server-form [aria-invalid="true"]')
    formError.textContent = rest.length > 0 ? rest.join('; ') : first === null ? body.message : 'Correct the fields marked above.'
    first?.focus()
  }

  // Any input may change what Validate covers (URL, TLS, introspection, credentials, proxy).
  form.addEventListener('input', onSourceChange)
  form.addEventListener('change', onSourceChange)
  enabled.addEventListener('change', updateWarnings)
  for (const box of [switchBox, confirmBox]) box.addEventListener('change', () => (formError.textContent = ''))
  byId('server-cancel').addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => opener?.focus())

  validate.addEventListener('click', async () => {
    clearErrors()
    const signature = sourceSignature()
    const jwksUrl = url.value.trim()
    const introspection = advanced.introspection()
    // A stored server left to discovery is validated through its metadata (the issuer must stay set).
    const discovery = jwksUrl === '' ? editing?.config.discovery : undefined
    if (jwksUrl === '' && introspection === undefined && discovery === undefined) {
      byId('f-jwksUrl-error').textContent = 'Enter the JWKS location (or an introspection endpoint in the advanced settings) first.'
      url.setAttribute('aria-invalid', 'true')
      url.focus()
      return
    }
    const body: Record<string, unknown> = { jwksCertificateValidation: tls.checked }
    if (jwksUrl !== '') body.jwksUrl = jwksUrl
    if (introspection !== undefined || discovery !== undefined) {
      if (introspection !== undefined) body.introspection = introspection
      if (input('issuer').value.trim() !== '') body.issuer = input('issuer').value.trim()
    }
    if (discovery !== undefined) body.discovery = discovery
    const proxy = advanced.proxy()
    if (proxy !== undefined) body.proxy = proxy
    validate.disabled = true
    report.replaceChildren(h('p', {}, 'Validating…'))
    try {
      const r = await client.call<JwksValidationResult & AdminErrorBody>('POST', 'authorization-servers/validate', body)
      if (r.status === 200) {
        report.replaceChildren(h('ul', {}, ...resultInWords(r.body).map((line) => h('li', {}, line))))
        validated = r.body.validationId !== undefined ? { signature, validationId: r.body.validationId } : undefined
      } else {
        report.replaceChildren()
        validated = undefined
        showIssues(r.body)
      }
    } finally {
      validate.disabled = false
      showSave()
    }
  })

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearErrors()
    if (validated === undefined) return
    if (!disruption.hidden && !confirmBox.checked) {
      formError.textContent = 'This server is in use: confirm that you want to save the change.'
      confirmBox.focus()
      return
    }
    const switching = !switchOffer.hidden && switchBox.checked
    if (!switchOffer.hidden && !switching) {
      formError.textContent = 'Another server is enabled: clear Enable, or choose to switch to this server.'
      switchBox.focus()
      return
    }
    const config: Record<string, unknown> = editing === undefined ? {} : { ...editing.config }
    const text = (name: string): string => input(name).value.trim()
    // Save is shown only while the form still matches what was validated.
    if (text('jwksUrl') === '') delete config.jwksUrl
    else {
      delete config.jwks
      config.jwksUrl = text('jwksUrl')
    }
    config.name = text('name')
    config.description = byId<HTMLTextAreaElement>('f-description').value
    config.jwksCertificateValidation = tls.checked
    advanced.apply(config)
    config.enabled = enabled.checked && !switching
    for (const name of ['audience', 'issuer', 'clientId']) {
      if (text(name) === '') delete config[name]
      else config[name] = text(name)
    }
    // Several audiences are typed separated by spaces (a URI has none).
    const audiences = text('audience').split(/\s+/).filter((a) => a !== '')
    if (audiences.length > 1) config.audience = audiences
    const body = { ...config, validationId: validated.validationId }
    save.disabled = true
    try {
      const path = editing === undefined ? 'authorization-servers' : `authorization-servers/${encodeURIComponent(editing.name)}`
      const r = await client.call<ServerChangeBody & AdminErrorBody>(editing === undefined ? 'POST' : 'PUT', path, body)
      if (r.status !== 200 && r.status !== 201) {
        if (r.body.error === 'validation_required' || r.body.error === 'validation_mismatch') {
          validated = undefined
          report.replaceChildren()
        }
        showIssues(r.body)
        return
      }
      const notices = r.body.notices.map((n) => n.message)
      if (switching) {
        const s = await client.call<ServerChangeBody & AdminErrorBody>('POST', `authorization-servers/${encodeURIComponent(r.body.server.name)}/enable`, { switchFromEnabled: true })
        if (s.status !== 200) notices.push(`Saved, but not switched: ${s.body.message}`)
        else notices.push(...s.body.notices.map((n) => n.message), `"${r.body.server.name}" is now the enabled server.`)
      }
      // The table is current before the dialog closes, so what the admin sees next is the result.
      await changed(notices.length > 0 ? notices : [`Saved "${r.body.server.name}".`])
      dialog.close()
    } finally {
      save.disabled = false
      showSave()
    }
  })

  return {
    open(view, from) {
      editing = view
      opener = from
      validated = undefined
      form.reset()
      clearErrors()
      report.replaceChildren()
      byId('server-dialog-title').textContent = view === undefined ? 'Add Authorization Server' : 'Edit Authorization Server'
      enabled.checked = view === undefined ? serverInUse(state.list) === undefined : view.enabled
      input('name').value = view?.name ?? ''
      byId<HTMLTextAreaElement>('f-description').value = view?.description ?? ''
      // A server whose keys are inline or come from discovery has no URL to show here.
      url.value = view === undefined || view.jwksUrl === 'inline' || view.jwksUrl === null ? '' : view.jwksUrl
      tls.checked = view?.config.jwksCertificateValidation ?? true
      input('audience').value = view?.audience?.join(' ') ?? ''
      input('issuer').value = view?.issuer ?? ''
      input('clientId').value = view?.clientId ?? ''
      advanced.fill(view)
      updateWarnings()
      showSave()
      dialog.showModal()
      input('name').focus()
    },
  }
}
