/**
 * The page's HTML: static markup (the script fills the table and dialogs with `textContent`), and
 * its settings in `<meta>` tags, HTML-escaped.
 *
 * @module
 */

/** What the page needs to know, put into `<meta>` tags. */
export interface PageSettings {
  readonly title: string
  readonly orgId: string
  /** The same-origin path of the admin API, ending with `/`. */
  readonly adminApiBase: string
  /** The console's base path, ending with `/`. */
  readonly basePath: string
  /** The protected API's base URL shown on the page, or `''`. */
  readonly apiBaseUrl: string
}

const escapes: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] as string)
}

/** The console page for one organization. */
export function pageHtml(s: PageSettings): string {
  const e = escapeHtml
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tokenward-org-id" content="${e(s.orgId)}">
<meta name="tokenward-admin-api" content="${e(s.adminApiBase)}">
<meta name="tokenward-console-base" content="${e(s.basePath)}">
<title>${e(s.title)}</title>
<link rel="stylesheet" href="${e(s.basePath)}assets/console.css">
<script src="${e(s.basePath)}assets/console.js" defer></script>
</head>
<body>
<header class="top"><p class="product">${e(s.title)}</p><p class="org">Organization <strong>${e(s.orgId)}</strong></p></header>
<nav class="sections" aria-label="Console sections"><ul>
<li><a href="#servers-top">Authorization Servers</a></li>
<li><a href="#clients-heading">API Clients</a></li>
<li><a href="#roles-heading">API Roles</a></li>
<li><a href="#audit-heading">Audit Logs</a></li>
</ul></nav>
<main>
<h1 id="servers-top" tabindex="-1">OAuth 2.0 Authorization Servers</h1>
<div id="banner" class="banner" role="status" aria-live="polite" hidden></div>
<section aria-labelledby="servers-heading">
<h2 id="servers-heading" class="visually-hidden">Authorization servers</h2>
<p class="base-url">Base URL: <code id="api-base-url">${e(s.apiBaseUrl === '' ? 'not configured' : s.apiBaseUrl)}</code></p>
<div class="toolbar">
<button type="button" id="add-server" class="primary" aria-describedby="add-reason">Add Authorization Server</button>
<p id="add-reason" class="reason"></p>
<details class="columns"><summary>Columns</summary>
<fieldset><legend>Show columns</legend>
<label><input type="checkbox" name="column" value="name" checked> Authorization Server Name</label>
<label><input type="checkbox" name="column" value="status" checked> Status</label>
<label><input type="checkbox" name="column" value="description" checked> Description</label>
<label><input type="checkbox" name="column" value="lastFetch" checked> Last Successful Fetch Time</label>
</fieldset></details>
</div>
<div class="table-wrap" role="region" aria-labelledby="servers-caption" tabindex="0">
<table id="servers">
<caption id="servers-caption">Authorization servers of organization ${e(s.orgId)}</caption>
<thead><tr>
<th scope="col" data-column="name">Authorization Server Name</th>
<th scope="col" data-column="status">Status</th>
<th scope="col" data-column="description">Description</th>
<th scope="col" data-column="lastFetch">Last Successful Fetch Time</th>
<th scope="col">Actions</th>
</tr></thead>
<tbody><tr><td colspan="5">Loading…</td></tr></tbody>
</table>
</div>
<p id="notices" class="notices" role="status" aria-live="polite"></p>
</section>
<section aria-labelledby="clients-heading" class="later">
<h2 id="clients-heading" tabindex="-1">API Clients</h2>
<p id="clients-banner" class="reason" role="status" aria-live="polite"></p>
<div class="toolbar">
<button type="button" id="add-client" class="primary" aria-describedby="clients-reason">Add API Client</button>
<p id="clients-reason" class="reason"></p>
</div>
<div class="table-wrap" role="region" aria-labelledby="clients-caption" tabindex="0">
<table id="clients">
<caption id="clients-caption">API clients of organization ${e(s.orgId)}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Client ID</th><th scope="col">Status</th><th scope="col">Authentication Method</th><th scope="col">Roles</th><th scope="col">Actions</th></tr></thead>
<tbody><tr><td colspan="6">Loading…</td></tr></tbody>
</table>
</div>
<p id="client-notices" class="notices" role="status" aria-live="polite"></p>
</section>
<section aria-labelledby="roles-heading" class="later">
<h2 id="roles-heading" tabindex="-1">API Roles</h2>
<div class="toolbar">
<button type="button" id="add-role" class="primary" aria-describedby="roles-reason">Add API Role</button>
<p id="roles-reason" class="reason"></p>
</div>
<div class="table-wrap" role="region" aria-labelledby="roles-caption" tabindex="0">
<table id="roles">
<caption id="roles-caption">API roles of organization ${e(s.orgId)} and the API resource categories they grant</caption>
<thead><tr><th scope="col">Role</th><th scope="col">API Resource Categories</th><th scope="col">API Clients</th><th scope="col">Actions</th></tr></thead>
<tbody><tr><td colspan="4">Loading…</td></tr></tbody>
</table>
</div>
<p id="role-notices" class="notices" role="status" aria-live="polite"></p>
</section>
<section aria-labelledby="audit-heading" class="audit later">
<h2 id="audit-heading" tabindex="-1">Audit Logs</h2>
<form id="audit-form" class="filters" novalidate>
<div class="field"><label for="a-from">From</label><input type="datetime-local" id="a-from" name="from" step="1"></div>
<div class="field"><label for="a-to">To</label><input type="datetime-local" id="a-to" name="to" step="1"></div>
<div class="field"><label for="a-actor">Actor or admin ID</label><input id="a-actor" name="actor" autocomplete="off"></div>
<div class="field"><label for="a-action">Action</label><select id="a-action" name="action">
<option value="">All actions</option>
<option value="add_server">Add authorization server</option>
<option value="edit_server">Edit authorization server</option>
<option value="delete_server">Delete authorization server</option>
<option value="enable_server">Enable authorization server</option>
<option value="disable_server">Disable authorization server</option>
<option value="add_api_client">Add API client</option>
<option value="edit_api_client">Edit API client</option>
<option value="enable_api_client">Enable API client</option>
<option value="disable_api_client">Disable API client</option>
<option value="rotate_api_client_secret">Rotate API client secret</option>
<option value="delete_api_client">Delete API client</option>
<option value="add_api_role">Add API role</option>
<option value="edit_api_role">Edit API role</option>
<option value="delete_api_role">Delete API role</option>
<option value="api_call">API call</option>
</select></div>
<div class="field filter-button"><button type="submit">Filter</button></div>
</form>
<p id="audit-error" class="form-error" role="alert"></p>
<div class="table-wrap" role="region" aria-labelledby="audit-caption" tabindex="0">
<table id="audit">
<caption id="audit-caption">Changes and API calls of organization ${e(s.orgId)}, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Outcome</th></tr></thead>
<tbody></tbody>
</table>
</div>
<button type="button" id="audit-more" hidden>Older entries</button>
</section>
</main>

<dialog id="server-dialog" aria-labelledby="server-dialog-title">
<form id="server-form" novalidate>
<h2 id="server-dialog-title">Add Authorization Server</h2>
<div class="field check"><input type="checkbox" id="f-enabled" name="enabled"><label for="f-enabled">Enable</label></div>
<div class="field"><label for="f-name">Name</label><input id="f-name" name="name" required maxlength="64" autocomplete="off" aria-describedby="f-name-hint f-name-error"><p id="f-name-hint" class="hint">Letters and digits only, at most 64.</p><p id="f-name-error" class="field-error"></p></div>
<div class="field"><label for="f-description">Description</label><textarea id="f-description" name="description" maxlength="256" rows="2" aria-describedby="f-description-error"></textarea><p id="f-description-error" class="field-error"></p></div>
<div class="field"><label for="f-jwksUrl">OAuth 2.0 JWKS Location</label>
<div class="with-button"><input id="f-jwksUrl" name="jwksUrl" type="url" inputmode="url" autocomplete="off" aria-describedby="f-jwksUrl-error validation-report"><button type="button" id="validate">Validate</button></div>
<p id="f-jwksUrl-error" class="field-error"></p></div>
<div class="field check"><input type="checkbox" id="f-jwksCertificateValidation" name="jwksCertificateValidation" checked aria-describedby="f-jwksCertificateValidation-error"><label for="f-jwksCertificateValidation">JWKS Server Certificate Validation</label><p id="f-jwksCertificateValidation-error" class="field-error"></p></div>
<div id="validation-report" class="report" role="status" aria-live="polite"></div>
<div class="field"><label for="f-audience">Audience URI</label><input id="f-audience" name="audience" autocomplete="off" aria-describedby="f-audience-error"><p id="f-audience-error" class="field-error"></p></div>
<div class="field"><label for="f-issuer">Issuer URI</label><input id="f-issuer" name="issuer" autocomplete="off" aria-describedby="f-issuer-error"><p id="f-issuer-error" class="field-error"></p></div>
<div class="field"><label for="f-clientId">Client ID</label><input id="f-clientId" name="clientId" autocomplete="off" aria-describedby="f-clientId-error"><p id="f-clientId-error" class="field-error"></p></div>
<div class="field"><button type="button" id="advanced-toggle" aria-expanded="false" aria-controls="advanced">Show Advanced Settings</button></div>
<div id="advanced" hidden>
<fieldset class="group"><legend>Introspection</legend>
<div class="field"><label for="f-introspectionEndpoint">Introspection Endpoint</label><input id="f-introspectionEndpoint" type="url" inputmode="url" autocomplete="off" aria-describedby="f-introspectionEndpoint-hint f-introspectionEndpoint-error"><p id="f-introspectionEndpoint-hint" class="hint">Where opaque tokens are checked (RFC 7662). Validate also checks it.</p><p id="f-introspectionEndpoint-error" class="field-error"></p></div>
<div class="field"><label for="f-tokenEndpoint">Token Endpoint</label><input id="f-tokenEndpoint" type="url" inputmode="url" autocomplete="off" aria-describedby="f-tokenEndpoint-error"><p id="f-tokenEndpoint-error" class="field-error"></p></div>
<div class="field"><label for="f-introspectionClientId">Client ID</label><input id="f-introspectionClientId" autocomplete="off" aria-describedby="f-introspectionClientId-hint f-introspectionClientId-error"><p id="f-introspectionClientId-hint" class="hint">tokenward's own client at the authorization server.</p><p id="f-introspectionClientId-error" class="field-error"></p></div>
<div class="field"><label for="f-clientCredentialsType">Client Credentials Type</label><select id="f-clientCredentialsType" aria-describedby="f-clientCredentialsType-error"><option value="secret">Secret</option><option value="mtls">Mutual TLS</option><option value="jwt">Private Key JWT</option></select><p id="f-clientCredentialsType-error" class="field-error"></p></div>
<div class="field" data-credentials="secret"><label for="f-clientSecret">Client Secret</label><input id="f-clientSecret" type="password" autocomplete="new-password" aria-describedby="f-clientSecret-hint f-clientSecret-error"><p id="f-clientSecret-hint" class="hint">Never shown again once saved.</p><p id="f-clientSecret-error" class="field-error"></p></div>
<div class="field" data-credentials="mtls" hidden><label for="f-clientCertificate">Client Certificate (PEM)</label><textarea id="f-clientCertificate" rows="3" spellcheck="false" aria-describedby="f-clientCertificate-error"></textarea><p id="f-clientCertificate-error" class="field-error"></p></div>
<div class="field" data-credentials="mtls" hidden><label for="f-clientPrivateKey">Client Certificate Private Key (PEM)</label><textarea id="f-clientPrivateKey" rows="3" spellcheck="false" autocomplete="off" aria-describedby="f-clientPrivateKey-hint f-clientPrivateKey-error"></textarea><p id="f-clientPrivateKey-hint" class="hint">Never shown again once saved.</p><p id="f-clientPrivateKey-error" class="field-error"></p></div>
<div class="field" data-credentials="jwt" hidden><label for="f-privateKeyJwt">Signing Private Key (PEM or JWK)</label><textarea id="f-privateKeyJwt" rows="3" spellcheck="false" autocomplete="off" aria-describedby="f-privateKeyJwt-hint f-privateKeyJwt-error"></textarea><p id="f-privateKeyJwt-hint" class="hint">Signs the client assertions. Never shown again once saved.</p><p id="f-privateKeyJwt-error" class="field-error"></p></div>
<div class="field check"><input type="checkbox" id="f-cacheTokens" checked><label for="f-cacheTokens">Cache Tokens</label></div>
<div class="field"><label for="f-tokenTimeToLive">Token Time To Live</label><input id="f-tokenTimeToLive" type="number" inputmode="numeric" step="1" min="-1" value="-1" aria-describedby="f-tokenTimeToLive-hint f-tokenTimeToLive-error"><p id="f-tokenTimeToLive-hint" class="hint">Seconds an answer is remembered; -1 means until the token expires.</p><p id="f-tokenTimeToLive-error" class="field-error"></p></div>
<div class="field check"><input type="checkbox" id="f-sendAudience"><label for="f-sendAudience">Send Audience</label></div>
</fieldset>
<div class="field"><label for="f-subjectAttributeName">Subject Attribute Name</label><input id="f-subjectAttributeName" autocomplete="off" placeholder="sub" aria-describedby="f-subjectAttributeName-error"><p id="f-subjectAttributeName-error" class="field-error"></p></div>
<div class="field check"><input type="checkbox" id="f-useProxy"><label for="f-useProxy">Use Proxy</label></div>
<div class="field" id="proxy-field" hidden><label for="f-proxy">Proxy URL</label><input id="f-proxy" type="url" inputmode="url" autocomplete="off" placeholder="http://proxy.example:3128" aria-describedby="f-proxy-error"><p id="f-proxy-error" class="field-error"></p></div>
<fieldset class="group"><legend>DPoP</legend>
<div class="field"><label for="f-dpopMode">DPoP Type</label><select id="f-dpopMode" aria-describedby="f-dpopMode-error"><option value="off">Off</option><option value="enabled">Enabled</option><option value="required">Required</option></select><p id="f-dpopMode-error" class="field-error"></p></div>
<div class="field check"><input type="checkbox" id="f-dpopRequireNonce"><label for="f-dpopRequireNonce">Require Nonce</label></div>
<div class="field"><label for="f-dpopProofLifetime">DPoP Proof Lifetime (SEC.)</label><input id="f-dpopProofLifetime" type="number" inputmode="numeric" step="1" min="1" value="120" aria-describedby="f-dpopProofLifetime-error"><p id="f-dpopProofLifetime-error" class="field-error"></p></div>
</fieldset>
</div>
<div id="switch-offer" class="warning" hidden><p id="switch-text"></p><div class="field check"><input type="checkbox" id="f-switch" name="switch"><label for="f-switch" id="switch-label">Switch to this server</label></div></div>
<div id="disruption" class="warning" hidden><p id="disruption-text"></p><div class="field check"><input type="checkbox" id="f-confirm" name="confirm"><label for="f-confirm">I understand; save anyway</label></div></div>
<p id="form-error" class="form-error" role="alert"></p>
<div class="actions"><button type="button" id="server-cancel">Cancel</button><button type="submit" id="save" class="primary" hidden>Save</button></div>
</form>
</dialog>

<dialog id="delete-dialog" aria-labelledby="delete-dialog-title" aria-describedby="delete-message">
<form id="delete-form" novalidate>
<h2 id="delete-dialog-title">Delete Authorization Server</h2>
<p id="delete-message"></p>
<p id="delete-error" class="form-error" role="alert"></p>
<div class="actions"><button type="button" id="delete-cancel">Cancel</button><button type="submit" id="delete-ok" class="danger">OK</button></div>
</form>
</dialog>

<dialog id="client-dialog" aria-labelledby="client-dialog-title">
<form id="client-form" novalidate>
<h2 id="client-dialog-title">Add API Client</h2>
<div class="field check"><input type="checkbox" id="c-enabled" name="enabled" checked><label for="c-enabled">Enable</label></div>
<div class="field"><label for="c-name">Name</label><input id="c-name" name="name" required maxlength="64" autocomplete="off" aria-describedby="c-name-error"><p id="c-name-error" class="field-error"></p></div>
<div class="field"><label for="c-description">Description</label><textarea id="c-description" name="description" rows="2" aria-describedby="c-description-error"></textarea><p id="c-description-error" class="field-error"></p></div>
<div class="field"><label for="c-clientId">Client ID</label><input id="c-clientId" name="clientId" maxlength="128" autocomplete="off" aria-describedby="c-clientId-hint c-clientId-error"><p id="c-clientId-hint" class="hint">Leave empty to generate one. It cannot be changed later.</p><p id="c-clientId-error" class="field-error"></p></div>
<fieldset class="field group" aria-describedby="c-roles-error"><legend>Roles</legend><div id="c-roles"></div><p id="c-roles-error" class="field-error"></p></fieldset>
<fieldset class="field group" aria-describedby="c-method-error"><legend>Authentication Method</legend>
<div class="check"><input type="radio" id="c-method-jwks" name="method" value="jwks" checked><label for="c-method-jwks">JWKS URL</label></div>
<div class="check"><input type="radio" id="c-method-certificate" name="method" value="certificate"><label for="c-method-certificate">Certificate</label></div>
<div class="check"><input type="radio" id="c-method-publicKey" name="method" value="publicKey"><label for="c-method-publicKey">Public Key</label></div>
<div class="check"><input type="radio" id="c-method-secret" name="method" value="secret"><label for="c-method-secret">Client Secret</label></div>
<p id="c-method-error" class="field-error"></p></fieldset>
<div id="c-jwks-panel" class="field"><label for="c-jwksUrl">JWKS URL</label>
<div class="with-button"><input id="c-jwksUrl" name="jwksUrl" type="url" inputmode="url" autocomplete="off" aria-describedby="c-jwksUrl-error client-report"><button type="button" id="client-validate">Validate</button></div>
<p id="c-jwksUrl-error" class="field-error"></p>
<div id="client-report" class="report" role="status" aria-live="polite"></div></div>
<div id="c-pem-panel" class="field" hidden><label for="c-pem" id="c-pem-label">Certificate (PEM)</label>
<textarea id="c-pem" name="pem" rows="5" spellcheck="false" aria-describedby="c-pem-hint c-pem-error"></textarea>
<p id="c-pem-hint" class="hint">Paste it, or choose a file below. Never a private key.</p><p id="c-pem-error" class="field-error"></p>
<label for="c-file" id="c-file-label">Upload a certificate file</label><input type="file" id="c-file" accept=".pem,.crt,.cer,.key,.pub,.json,text/plain,application/json"></div>
<p id="c-secret-panel" class="hint" hidden>A client secret is generated when you save, and shown only once.</p>
<p id="client-error" class="form-error" role="alert"></p>
<div class="actions"><button type="button" id="client-cancel">Cancel</button><button type="submit" id="client-save" class="primary" hidden>Save</button></div>
</form>
</dialog>

<dialog id="secret-dialog" aria-labelledby="secret-dialog-title" aria-describedby="secret-warning">
<form id="secret-form" novalidate>
<h2 id="secret-dialog-title">Client Secret</h2>
<p id="secret-warning" class="warning">Copy this client secret now. It is shown only this once and cannot be shown again; if it is lost, rotate the secret.</p>
<div class="field"><label for="secret-value" id="secret-label">Client secret</label><input id="secret-value" readonly autocomplete="off" spellcheck="false"></div>
<div class="with-button"><button type="button" id="secret-copy">Copy</button><p id="secret-copied" role="status" aria-live="polite"></p></div>
<div class="actions"><button type="submit" id="secret-done" class="primary">Done</button></div>
</form>
</dialog>

<dialog id="rotate-dialog" aria-labelledby="rotate-dialog-title" aria-describedby="rotate-message">
<form id="rotate-form" novalidate>
<h2 id="rotate-dialog-title">Rotate Secret</h2>
<p id="rotate-message"></p>
<div class="field check"><input type="checkbox" id="rotate-drop" name="dropPrevious"><label for="rotate-drop">Drop the previous secret now (applications still using it are refused at once)</label></div>
<p id="rotate-error" class="form-error" role="alert"></p>
<div class="actions"><button type="button" id="rotate-cancel">Cancel</button><button type="submit" id="rotate-ok" class="primary">Rotate</button></div>
</form>
</dialog>

<dialog id="role-dialog" aria-labelledby="role-dialog-title">
<form id="role-form" novalidate>
<h2 id="role-dialog-title">Add API Role</h2>
<div class="field"><label for="r-name">Name</label><input id="r-name" name="name" required maxlength="128" autocomplete="off" aria-describedby="r-name-error"><p id="r-name-error" class="field-error"></p></div>
<fieldset class="field group" aria-describedby="r-categories-hint r-categories-error"><legend>API Resource Categories</legend><div id="r-categories"></div>
<p id="r-categories-hint" class="hint">The categories used by this organization's roles. Add others below.</p>
<label for="r-more">Other categories (separated by spaces)</label><input id="r-more" name="more" autocomplete="off">
<p id="r-categories-error" class="field-error"></p></fieldset>
<p id="role-error" class="form-error" role="alert"></p>
<div class="actions"><button type="button" id="role-cancel">Cancel</button><button type="submit" id="role-save" class="primary">Save</button></div>
</form>
</dialog>

<dialog id="confirm-dialog" aria-labelledby="confirm-dialog-title" aria-describedby="confirm-message">
<form id="confirm-form" novalidate>
<h2 id="confirm-dialog-title">Delete</h2>
<p id="confirm-message"></p>
<p id="confirm-error" class="form-error" role="alert"></p>
<div id="confirm-option" class="field check" hidden><input type="checkbox" id="confirm-detach" name="detach"><label for="confirm-detach" id="confirm-detach-label">Remove the role from these API clients and delete it</label></div>
<div class="actions"><button type="button" id="confirm-cancel">Cancel</button><button type="submit" id="confirm-ok" class="danger">OK</button></div>
</form>
</dialog>
</body>
</html>
`
}
