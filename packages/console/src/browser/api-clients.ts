// The API Clients section: one row per client (name, client ID, status, authentication method,
// roles) with Edit, Enable/Disable, Rotate Secret (secret clients) and Delete; Add API Client.
// Every change is disabled, with the reason, when the API says changes are not allowed.
import type { AdminErrorBody, ApiClientChangeBody, ApiClientList, ApiClientView } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { byId, h } from './build-element.ts'
import type { ClientDialog } from './client-dialog.ts'
import type { ConfirmDialog } from './confirm-dialog.ts'
import { permissionWords, readOnlyReasonOf } from './page-state.ts'
import { rowButton, type RotateDialog } from './secret-dialogs.ts'

export interface ApiClientsSection {
  reload(): Promise<void>
  readonly roles: () => readonly string[]
}

/** The authentication method in the words of the Add dialog. */
export function methodWords(view: ApiClientView): string {
  const a = view.authentication
  if (a.method === 'client_secret') return a.secrets.length > 1 ? 'Client Secret (2 secrets)' : 'Client Secret'
  return 'jwksUrl' in a ? 'JWKS URL' : 'certificate' in a ? 'Certificate' : 'Public Key'
}

export function setUpApiClients(
  client: AdminClient,
  dialogs: { readonly edit: ClientDialog; readonly rotate: RotateDialog; readonly confirm: ConfirmDialog },
  changed: (notices: readonly string[]) => Promise<void>,
): ApiClientsSection {
  const add = byId<HTMLButtonElement>('add-client')
  const reason = byId('clients-reason')
  const body = byId<HTMLTableElement>('clients').tBodies[0] as HTMLTableSectionElement
  let roles: readonly string[] = []
  let readOnly: string | undefined = 'Loading…'

  const button = (label: string, view: ApiClientView, action: string, extra: Record<string, string> = {}): HTMLButtonElement =>
    h('button', { type: 'button', disabled: readOnly !== undefined, 'data-client': view.clientId, 'data-action': action, ...extra }, label, h('span', { class: 'visually-hidden' }, ` ${view.name}`))

  const toggle = async (view: ApiClientView): Promise<void> => {
    const r = await client.call<ApiClientChangeBody & AdminErrorBody>('POST', `api-clients/${encodeURIComponent(view.clientId)}/${view.enabled ? 'disable' : 'enable'}`)
    const words = r.status === 200 ? [`${r.body.client.enabled ? 'Enabled' : 'Disabled'} API client "${view.name}".`, ...r.body.notices.map((n) => n.message)] : [r.body.message]
    await changed(words)
    // The row was drawn again: keep focus on the same control of the same client.
    rowButton(view.clientId, 'toggle')?.focus()
  }

  const remove = (view: ApiClientView, opener: HTMLElement): void =>
    dialogs.confirm.open(
      {
        title: 'Delete API Client',
        message: view.enabled
          ? `Delete the API client "${view.name}" (${view.clientId})? It is enabled: the application using it gets no more tokens. This cannot be undone.`
          : `Delete the API client "${view.name}" (${view.clientId})? This cannot be undone.`,
        run: () => client.call('DELETE', `api-clients/${encodeURIComponent(view.clientId)}`),
        refused: (b) => ({ message: b.message }),
        done: async () => changed([`Deleted API client "${view.name}".`]),
        after: () => add,
      },
      opener,
    )

  const render = (list: ApiClientList | undefined, empty: string): void => {
    const rows = (list?.apiClients ?? []).map((view) => {
      const edit = button('Edit', view, 'edit')
      const toggleButton = button(view.enabled ? 'Disable' : 'Enable', view, 'toggle')
      const del = button('Delete', view, 'delete', { class: 'danger' })
      edit.addEventListener('click', () => dialogs.edit.open(view, roles, edit))
      toggleButton.addEventListener('click', () => void toggle(view))
      del.addEventListener('click', () => remove(view, del))
      const actions: HTMLElement[] = [edit, toggleButton]
      if (view.authentication.method === 'client_secret') {
        const rotate = button('Rotate Secret', view, 'rotate')
        rotate.addEventListener('click', () => dialogs.rotate.open(view, rotate))
        actions.push(rotate)
      }
      actions.push(del)
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, view.name),
        h('td', { class: 'actor' }, view.clientId),
        h('td', {}, h('span', { class: `status status-${view.enabled ? 'enabled' : 'disabled'}` }, view.enabled ? 'Enabled' : 'Disabled')),
        h('td', {}, methodWords(view)),
        h('td', {}, view.roles.length === 0 ? 'none' : view.roles.join(', ')),
        h('td', { class: 'row-actions' }, ...actions),
      )
    })
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: '6' }, empty)))
    body.replaceChildren(...rows)
  }

  add.addEventListener('click', () => dialogs.edit.open(undefined, roles, add))
  return {
    roles: () => roles,
    async reload() {
      const r = await client.call<ApiClientList & AdminErrorBody>('GET', 'api-clients')
      if (r.status === 200) {
        roles = r.body.apiRoles
        readOnly = readOnlyReasonOf(r.body)
        render(r.body, 'No API clients yet.')
      } else {
        roles = []
        readOnly = r.status === 403 ? permissionWords(r.body.error, r.body.message).replace('authorization servers', 'API clients') : `The API clients could not be loaded: ${r.body.message}`
        render(undefined, 'Not available.')
      }
      add.disabled = readOnly !== undefined
      reason.textContent = readOnly === undefined ? '' : r.status === 200 ? 'Changes are not allowed (see above).' : readOnly
    },
  }
}
