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
<main>
<h1>OAuth 2.0 Authorization Servers</h1>
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
<section aria-labelledby="audit-heading" class="audit">
<h2 id="audit-heading">Audit Logs</h2>
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
</body>
</html>
`
}
