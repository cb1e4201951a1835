import { describe, expect, it } from 'vitest'
import { matchAdminRoute, type AdminRouteMatch } from './admin-routes.ts'

const base = '/admin/'
const s = '/admin/orgs/acme/authorization-servers'

describe('matchAdminRoute', () => {
  const cases: [string, string, AdminRouteMatch][] = [
    ['GET', s, { kind: 'found', operation: 'list_servers', params: { orgId: 'acme' } }],
    ['POST', s, { kind: 'found', operation: 'add_server', params: { orgId: 'acme' } }],
    ['POST', `${s}/validate`, { kind: 'found', operation: 'validate_jwks', params: { orgId: 'acme' } }],
    ['GET', `${s}/validate`, { kind: 'found', operation: 'get_server', params: { orgId: 'acme', name: 'validate' } }],
    ['PUT', `${s}/validate`, { kind: 'found', operation: 'edit_server', params: { orgId: 'acme', name: 'validate' } }],
    ['GET', `${s}/Okta1`, { kind: 'found', operation: 'get_server', params: { orgId: 'acme', name: 'Okta1' } }],
    ['PUT', `${s}/Okta1`, { kind: 'found', operation: 'edit_server', params: { orgId: 'acme', name: 'Okta1' } }],
    ['DELETE', `${s}/Okta1`, { kind: 'found', operation: 'delete_server', params: { orgId: 'acme', name: 'Okta1' } }],
    ['POST', `${s}/Okta1/enable`, { kind: 'found', operation: 'enable_server', params: { orgId: 'acme', name: 'Okta1' } }],
    ['POST', `${s}/Okta1/disable`, { kind: 'found', operation: 'disable_server', params: { orgId: 'acme', name: 'Okta1' } }],
    // Parameters are never decoded: `Okta%31` does not address Okta1, `%61cme` is not acme.
    ['GET', '/admin/orgs/acme/authorization-servers/Okta%31', { kind: 'not_found' }],
    ['GET', '/admin/orgs/a%20b/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/orgs/%61cme/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/orgs/acme\\..\\victim/authorization-servers', { kind: 'not_found' }],
    // Dot segments never reach a handler through a parsed URL; a pathname handed in directly gets no further.
    ['GET', '/admin/orgs/../authorization-servers', { kind: 'not_found' }],
    ['DELETE', '/admin/orgs/acme/authorization-servers/..', { kind: 'not_found' }],
    ['GET', '/admin/orgs/./authorization-servers/Okta1', { kind: 'not_found' }],
    ['PATCH', s, { kind: 'method_not_allowed', allow: ['GET', 'POST'] }],
    ['POST', `${s}/Okta1`, { kind: 'method_not_allowed', allow: ['GET', 'PUT', 'DELETE'] }],
    ['DELETE', `${s}/validate`, { kind: 'found', operation: 'delete_server', params: { orgId: 'acme', name: 'validate' } }],
    ['PATCH', `${s}/validate`, { kind: 'method_not_allowed', allow: ['POST', 'GET', 'PUT', 'DELETE'] }],
    ['GET', `${s}/Okta1/enable`, { kind: 'method_not_allowed', allow: ['POST'] }],
    ['HEAD', s, { kind: 'method_not_allowed', allow: ['GET', 'POST'] }],
    ['GET', '/orgs/acme/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin', { kind: 'not_found' }],
    ['GET', '/admin/', { kind: 'not_found' }],
    ['GET', `${s}/`, { kind: 'not_found' }],
    ['GET', '/admin/orgs//authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/orgs/acme/authorization-servers/Okta1/enable/x', { kind: 'not_found' }],
    ['GET', '/admin/orgs/%E0%A4%A/authorization-servers', { kind: 'not_found' }],
    // API clients and API roles: the same shapes and raw-path rules.
    ['GET', '/admin/orgs/acme/api-clients', { kind: 'found', operation: 'list_api_clients', params: { orgId: 'acme' } }],
    ['POST', '/admin/orgs/acme/api-clients', { kind: 'found', operation: 'add_api_client', params: { orgId: 'acme' } }],
    ['POST', '/admin/orgs/acme/api-clients/validate', { kind: 'found', operation: 'validate_api_client_jwks', params: { orgId: 'acme' } }],
    ['GET', '/admin/orgs/acme/api-clients/ci', { kind: 'found', operation: 'get_api_client', params: { orgId: 'acme', name: 'ci' } }],
    ['PUT', '/admin/orgs/acme/api-clients/ci', { kind: 'found', operation: 'edit_api_client', params: { orgId: 'acme', name: 'ci' } }],
    ['DELETE', '/admin/orgs/acme/api-clients/ci', { kind: 'found', operation: 'delete_api_client', params: { orgId: 'acme', name: 'ci' } }],
    ['POST', '/admin/orgs/acme/api-clients/ci/enable', { kind: 'found', operation: 'enable_api_client', params: { orgId: 'acme', name: 'ci' } }],
    ['POST', '/admin/orgs/acme/api-clients/ci/disable', { kind: 'found', operation: 'disable_api_client', params: { orgId: 'acme', name: 'ci' } }],
    ['POST', '/admin/orgs/acme/api-clients/ci/rotate-secret', { kind: 'found', operation: 'rotate_api_client_secret', params: { orgId: 'acme', name: 'ci' } }],
    ['GET', '/admin/orgs/acme/api-clients/ci/rotate-secret', { kind: 'method_not_allowed', allow: ['POST'] }],
    ['GET', '/admin/orgs/acme/api-clients/c%69', { kind: 'not_found' }],
    ['GET', '/admin/orgs/acme/api-roles', { kind: 'found', operation: 'list_api_roles', params: { orgId: 'acme' } }],
    ['POST', '/admin/orgs/acme/api-roles', { kind: 'found', operation: 'add_api_role', params: { orgId: 'acme' } }],
    ['GET', '/admin/orgs/acme/api-roles/ReadOnly', { kind: 'found', operation: 'get_api_role', params: { orgId: 'acme', name: 'ReadOnly' } }],
    ['PUT', '/admin/orgs/acme/api-roles/ReadOnly', { kind: 'found', operation: 'edit_api_role', params: { orgId: 'acme', name: 'ReadOnly' } }],
    ['DELETE', '/admin/orgs/acme/api-roles/ReadOnly', { kind: 'found', operation: 'delete_api_role', params: { orgId: 'acme', name: 'ReadOnly' } }],
    ['POST', '/admin/orgs/acme/api-roles/ReadOnly', { kind: 'method_not_allowed', allow: ['GET', 'PUT', 'DELETE'] }],
    ['DELETE', '/admin/orgs/acme/api-roles/..', { kind: 'not_found' }],
    // Literal segments match only their exact spelling.
    ['GET', '/admin/%6Frgs/acme/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/ORGS/acme/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/orgs/acme/authorization%2Dservers', { kind: 'not_found' }],
    ['POST', '/admin/orgs/acme/authorization-servers/%76alidate', { kind: 'not_found' }],
    ['POST', '/admin/orgs/acme/authorization-servers/Okta1/%65nable', { kind: 'not_found' }],
    ['GET', '/%61dmin/orgs/acme/authorization-servers', { kind: 'not_found' }],
    ['GET', '/admin/teams/acme/authorization-servers', { kind: 'not_found' }],
  ]
  it.each(cases)('%s %s', (method, path, expected) => {
    expect(matchAdminRoute(method, path, base)).toEqual(expected)
  })

  it('works at the root', () => {
    expect(matchAdminRoute('GET', '/orgs/acme/authorization-servers', '/')).toEqual({ kind: 'found', operation: 'list_servers', params: { orgId: 'acme' } })
  })
})
