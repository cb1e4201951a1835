// The one-time secret: shown once after an add, a switch to Client Secret or a rotation, with a
// Copy button (Clipboard API) and the warning that it cannot be shown again. And the Rotate Secret
// dialog, which can drop the previous secret in the same change.
import type { AdminErrorBody, ApiClientChangeBody, ApiClientView } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { byId } from './build-element.ts'

export interface SecretDialog {
  /** Shows `secret` once; focus returns to `after()` when it closes. */
  show(clientId: string, secret: string, after: () => HTMLElement | undefined): void
}

export function setUpSecretDialog(): SecretDialog {
  const dialog = byId<HTMLDialogElement>('secret-dialog')
  const value = byId<HTMLInputElement>('secret-value')
  const copied = byId('secret-copied')
  let after: (() => HTMLElement | undefined) | undefined
  byId('secret-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value.value)
      copied.textContent = 'Copied to the clipboard.'
    } catch {
      value.select()
      copied.textContent = 'The browser did not allow copying: the secret is selected, copy it with your keyboard.'
    }
  })
  byId('secret-form').addEventListener('submit', (event) => {
    event.preventDefault()
    // The secret leaves the page before the dialog closes.
    value.value = ''
    dialog.close()
  })
  dialog.addEventListener('close', () => {
    value.value = ''
    after?.()?.focus()
  })
  return {
    show(clientId, secret, then) {
      after = then
      byId('secret-label').textContent = `Client secret of ${clientId}`
      value.value = secret
      copied.textContent = ''
      dialog.showModal()
      byId('secret-copy').focus()
    },
  }
}

export interface RotateDialog {
  open(view: ApiClientView, opener: HTMLElement): void
}

export function setUpRotateDialog(client: AdminClient, secrets: SecretDialog, changed: (notices: readonly string[]) => Promise<void>): RotateDialog {
  const dialog = byId<HTMLDialogElement>('rotate-dialog')
  const form = byId<HTMLFormElement>('rotate-form')
  const error = byId('rotate-error')
  const drop = byId<HTMLInputElement>('rotate-drop')
  const ok = byId<HTMLButtonElement>('rotate-ok')
  let target: ApiClientView | undefined
  let opener: HTMLElement | undefined
  let handOff = false
  byId('rotate-cancel').addEventListener('click', () => dialog.close())
  // 'close' fires after close() returns: a hand-off to the secret dialog is consumed there.
  dialog.addEventListener('close', () => {
    if (handOff) handOff = false
    else opener?.focus()
  })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (target === undefined) return
    const clientId = target.clientId
    ok.disabled = true
    try {
      const r = await client.call<ApiClientChangeBody & AdminErrorBody>('POST', `api-clients/${encodeURIComponent(clientId)}/rotate-secret`, { dropPrevious: drop.checked })
      if (r.status !== 200 || r.body.clientSecret === undefined) {
        error.textContent = r.body.message ?? `The API answered ${r.status}`
        return
      }
      const secret = r.body.clientSecret
      await changed([`Rotated the secret of "${clientId}".`, ...r.body.notices.map((n) => n.message)])
      handOff = true
      dialog.close()
      const from = opener
      secrets.show(clientId, secret, () => (from?.isConnected === true ? from : rowButton(clientId, 'rotate')))
    } finally {
      ok.disabled = false
    }
  })
  return {
    open(view, from) {
      target = view
      opener = from
      error.textContent = ''
      drop.checked = false
      const live = view.authentication.method === 'client_secret' ? view.authentication.secrets.length : 0
      byId('rotate-message').textContent =
        live >= 2
          ? `"${view.name}" has two secrets. A new secret replaces the older one; the newer one keeps working unless you drop it too.`
          : `A new secret is made for "${view.name}" and shown once. The current secret keeps working beside it until you drop it.`
      dialog.showModal()
      byId('rotate-cancel').focus()
    },
  }
}

/** A client row's button (`edit`, `toggle`, `rotate`, `delete`) after the table was drawn again. */
export function rowButton(clientId: string, action: string): HTMLElement | undefined {
  return document.querySelector<HTMLElement>(`#clients button[data-client="${CSS.escape(clientId)}"][data-action="${action}"]`) ?? undefined
}
