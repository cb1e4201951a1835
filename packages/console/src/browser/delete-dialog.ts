// The Delete confirmation: says what deleting the server in use does, then deletes on OK.
import type { AdminErrorBody, AuthorizationServerView } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { byId } from './build-element.ts'

export interface DeleteDialog {
  open(view: AuthorizationServerView, opener: HTMLElement): void
}

export function setUpDeleteDialog(client: AdminClient, changed: (notices: readonly string[]) => Promise<void>): DeleteDialog {
  const dialog = byId<HTMLDialogElement>('delete-dialog')
  const form = byId<HTMLFormElement>('delete-form')
  const error = byId('delete-error')
  let target: AuthorizationServerView | undefined
  let opener: HTMLElement | undefined
  byId('delete-cancel').addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => opener?.focus())
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (target === undefined) return
    const name = target.name
    const r = await client.call<{ notices?: { message: string }[] } & AdminErrorBody>('DELETE', `authorization-servers/${encodeURIComponent(name)}`)
    if (r.status !== 204 && r.status !== 200) {
      error.textContent = r.body.message
      return
    }
    // The row and its Delete button are gone: focus goes to Add Authorization Server instead.
    opener = byId('add-server')
    await changed([`Deleted "${name}".`, ...(r.body?.notices ?? []).map((n) => n.message)])
    dialog.close()
  })
  return {
    open(view, from) {
      target = view
      opener = from
      error.textContent = ''
      byId('delete-message').textContent =
        view.status === 'enabled'
          ? `"${view.name}" is in use. If you delete it, client applications can no longer access the API using OAuth 2.0. Delete it?`
          : `Delete the authorization server "${view.name}"? This cannot be undone.`
      dialog.showModal()
      byId('delete-cancel').focus()
    },
  }
}
