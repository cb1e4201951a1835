// The console page: reads its settings from <meta> tags, loads the organization's servers from
// the admin API and wires the table, the column chooser and the dialogs.
import type { AdminErrorBody, AuthorizationServerList } from '@tokenward/registry'
import { createAdminClient } from './admin-client.ts'
import { setUpApiClients } from './api-clients.ts'
import { setUpApiRoles } from './api-roles.ts'
import { setUpAuditLog } from './audit-log.ts'
import { byId, h } from './build-element.ts'
import { setUpClientDialog } from './client-dialog.ts'
import { setUpConfirmDialog } from './confirm-dialog.ts'
import { setUpDeleteDialog } from './delete-dialog.ts'
import { maxServers, permissionWords, readOnlyReasonOf, type PageState } from './page-state.ts'
import { setUpServerDialog } from './server-dialog.ts'
import { setUpRotateDialog, setUpSecretDialog } from './secret-dialogs.ts'
import { renderTable, setUpColumnChooser } from './servers-table.ts'

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? ''
}

function start(): void {
  const client = createAdminClient(meta('tokenward-admin-api'), meta('tokenward-org-id'))
  const state: PageState = { list: undefined, readOnlyReason: undefined }
  const banner = byId('banner')
  const add = byId<HTMLButtonElement>('add-server')
  const addReason = byId('add-reason')
  const notices = byId('notices')

  const load = async (): Promise<void> => {
    const r = await client.call<AuthorizationServerList & AdminErrorBody>('GET', 'authorization-servers')
    let empty = 'No authorization servers yet.'
    if (r.status === 200) {
      state.list = r.body
      state.readOnlyReason = readOnlyReasonOf(r.body)
    } else {
      state.list = undefined
      state.readOnlyReason = r.status === 403 ? permissionWords(r.body.error, r.body.message) : `The authorization servers could not be loaded: ${r.body.message}`
      empty = 'Not available.'
    }
    banner.hidden = state.readOnlyReason === undefined
    banner.textContent = state.readOnlyReason ?? ''
    const count = state.list?.authorizationServers.length ?? 0
    const full = count >= maxServers
    add.disabled = state.readOnlyReason !== undefined || state.list === undefined || full
    addReason.textContent =
      state.readOnlyReason !== undefined ? 'Changes are not allowed (see above).' : full ? `An organization can have up to ${maxServers} authorization servers; delete one to add another.` : ''
    renderTable(state, { edit: (view, opener) => serverDialog.open(view, opener), remove: (view, opener) => deleteDialog.open(view, opener) }, empty)
  }
  const auditLog = setUpAuditLog(client)
  const changed = async (messages: readonly string[]): Promise<void> => {
    notices.replaceChildren(...messages.map((m) => h('span', { class: 'notice' }, m)))
    await Promise.all([load(), auditLog.reload()])
  }
  const serverDialog = setUpServerDialog(client, state, changed)
  const deleteDialog = setUpDeleteDialog(client, changed)
  add.addEventListener('click', () => serverDialog.open(undefined, add))
  setUpColumnChooser()

  // API Clients and API Roles: a change to either can change the other (roles held, clients
  // holding a role), so both are read again, with the audit log.
  const noticesOf = (id: string) => async (messages: readonly string[]): Promise<void> => {
    byId(id).replaceChildren(...messages.map((m) => h('span', { class: 'notice' }, m)))
    await Promise.all([clients.reload(), roles.reload(), auditLog.reload()])
  }
  const clientChanged = noticesOf('client-notices')
  const secrets = setUpSecretDialog()
  const confirm = setUpConfirmDialog()
  const clients = setUpApiClients(
    client,
    { edit: setUpClientDialog(client, secrets, clientChanged), rotate: setUpRotateDialog(client, secrets, clientChanged), confirm },
    clientChanged,
  )
  const roles = setUpApiRoles(client, confirm, noticesOf('role-notices'))
  void load()
  void clients.reload()
  void roles.reload()
  void auditLog.reload()
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
