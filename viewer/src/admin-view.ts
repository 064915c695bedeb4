/**
 * `<alv-admin>`: the Admin tab (shown to tokens with the `admin` scope). Settings — how long
 * events are kept and which categories are recorded (Clockify's "select what to record") —
 * and API tokens: list, create with scopes, restriction and expiry (the value is shown once),
 * revoke after a confirmation. Talks to `/v1/settings` and `/v1/tokens` only; a 400's field
 * errors are shown beside their fields.
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { ApiError, type ApiClient } from './api.js';
import { formatTime } from './format.js';
import { strings } from './strings.js';
import { base, table } from './styles.js';
import { SCOPES, type EventsPage, type Restriction, type Scope, type SessionInfo, type Settings, type TokenInfo, type TokensList } from './types.js';

const RESTRICT_KEYS = ['project', 'actor', 'resourceType', 'category'] as const;
const EXPIRY_DAYS = ['never', '1', '7', '30', '90', '365'] as const;

/** Field path → message, from a 400's details (`restrict.project`, `retentionDays`, ...). */
type FieldErrors = Record<string, string>;

function fieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const d of (error as ApiError)?.details ?? []) out[d.path] ??= d.message;
  return out;
}

function errorText(error: unknown): string {
  const e = error as ApiError;
  if (e?.status === 0) return strings.errorNetwork;
  if (e?.status === 403) return strings.errorForbidden;
  return strings.errorGeneric(e?.message ?? String(error));
}

function timeText(iso: string | undefined) {
  if (!iso) return strings.tokenNever;
  const t = formatTime(iso);
  return html`<time datetime=${t.iso} title=${t.utc}>${t.text}</time>`;
}

function restrictionText(r: Restriction | undefined): string {
  const parts = Object.entries(r ?? {}).filter(([, v]) => v).map(([k, v]) => strings.restrictionPart(k, String(v)));
  return parts.length ? parts.join(strings.and) : strings.none;
}

export class AlvAdmin extends LitElement {
  static properties = {
    api: { attribute: false },
    session: { attribute: false },
    settings: { state: true },
    categories: { state: true },
    retention: { state: true },
    recording: { state: true },
    settingsErrors: { state: true },
    settingsStatus: { state: true },
    settingsBusy: { state: true },
    settingsLoadError: { state: true },
    tokens: { state: true },
    tokensError: { state: true },
    tokenErrors: { state: true },
    tokenStatus: { state: true },
    tokenBusy: { state: true },
    created: { state: true },
    confirming: { state: true },
  };

  static styles = [base, table, css`
    :host { display: block; background: var(--alv-bg); }
    section { margin-block: 1em 2em; }
    h2 { font-size: 1.2em; margin: 0 0 0.5em; }
    h3 { font-size: 1em; margin: 1em 0 0.4em; }
    form { display: flex; flex-direction: column; gap: 0.9em; max-width: 44rem; }
    fieldset { border: 1px solid var(--alv-border); border-radius: var(--alv-radius); padding: 0.6em 0.9em; margin: 0; min-width: 0; }
    legend { font-weight: 600; padding: 0 0.3em; }
    .checks { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); gap: 0.35em 1em; }
    .check { display: flex; align-items: center; gap: 0.45em; min-height: 2em; }
    .check input { min-height: 0; width: 1.15em; height: 1.15em; margin: 0; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(11em, 1fr)); gap: 0.6em 1em; }
    .help { font-size: 0.85em; color: var(--alv-muted); margin: 0; }
    .error { color: var(--alv-bad-fg); font-size: 0.9em; }
    .ok { color: var(--alv-ok-fg); }
    .row { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; }
    input[type='number'] { width: 8em; }
    .created { border: 2px solid var(--alv-warn-fg); border-radius: var(--alv-radius); padding: 0.75em; background: var(--alv-warn-bg); color: var(--alv-warn-fg); display: flex; flex-direction: column; gap: 0.5em; max-width: 44rem; }
    .created input { flex: 1; min-width: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--alv-fg); }
    .created p { margin: 0; font-weight: 600; }
    tbody tr { cursor: default; }
    tr.revoked td { color: var(--alv-muted); }
    .confirm { display: flex; flex-direction: column; gap: 0.4em; }
    td.actions { white-space: nowrap; }
  `];

  declare api: ApiClient | undefined;
  declare session: SessionInfo | undefined;
  declare settings: Settings | undefined;
  declare categories: string[];
  declare retention: string;
  declare recording: Record<string, boolean>;
  declare settingsErrors: FieldErrors;
  declare settingsStatus: string;
  declare settingsBusy: boolean;
  declare settingsLoadError: string;
  declare tokens: TokenInfo[] | undefined;
  declare tokensError: string;
  declare tokenErrors: FieldErrors;
  declare tokenStatus: string;
  declare tokenBusy: boolean;
  /** The token just created: its value is shown until "Done". */
  declare created: TokenInfo | undefined;
  /** Id of the token whose revocation awaits confirmation. */
  declare confirming: string | undefined;

  constructor() {
    super();
    this.categories = [];
    this.retention = '';
    this.recording = {};
    this.settingsErrors = {};
    this.settingsStatus = '';
    this.settingsBusy = false;
    this.settingsLoadError = '';
    this.tokensError = '';
    this.tokenErrors = {};
    this.tokenStatus = '';
    this.tokenBusy = false;
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') && this.api) {
      void this.loadSettings();
      void this.loadTokens();
    }
  }

  // -- settings ------------------------------------------------------------------------------

  private async loadSettings(): Promise<void> {
    const api = this.api!;
    this.settingsLoadError = '';
    // Categories seen recently, so a category can be switched off before it has an entry.
    const recent = api.get<EventsPage>('/v1/events', { limit: 200 }).catch(() => ({ events: [], nextCursor: null }) as EventsPage);
    try {
      const settings = await api.get<Settings>('/v1/settings');
      const seen = (await recent).events.map((e) => e.category).filter(Boolean);
      this.applySettings(settings, seen);
    } catch (error) {
      this.settingsLoadError = errorText(error);
    }
  }

  private applySettings(settings: Settings, seen: readonly string[] = []): void {
    this.settings = settings;
    this.retention = String(settings.retentionDays);
    this.recording = { ...settings.recording };
    this.categories = [...new Set([...this.categories, ...Object.keys(settings.recording), ...seen])].sort();
  }

  private async saveSettings(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.api || this.settingsBusy) return;
    this.settingsBusy = true;
    this.settingsErrors = {};
    this.settingsStatus = strings.settingsSaving;
    const recording = Object.fromEntries(this.categories.map((c) => [c, this.recording[c] !== false]));
    const retention = this.retention.trim();
    const retentionDays = retention === '' ? undefined : Number(retention);
    try {
      const saved = await this.api.put<Settings>('/v1/settings', { retentionDays, recording });
      this.applySettings({ ...this.settings, ...saved });
      this.settingsStatus = strings.settingsSaved;
    } catch (error) {
      this.settingsErrors = fieldErrors(error);
      this.settingsStatus = Object.keys(this.settingsErrors).length ? strings.settingsInvalid : errorText(error);
      await this.updateComplete;
      (this.renderRoot.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
    } finally {
      this.settingsBusy = false;
    }
  }

  private renderSettings() {
    const s = this.settings;
    if (!s) {
      return this.settingsLoadError
        ? html`<div class="state error" role="alert">${this.settingsLoadError} <button type="button" @click=${() => this.loadSettings()}>${strings.retry}</button></div>`
        : html`<div class="state">${strings.settingsLoading}</div>`;
    }
    const retentionError = this.settingsErrors.retentionDays;
    const recordingErrors = Object.entries(this.settingsErrors).filter(([path]) => path.startsWith('recording')).map(([, m]) => m);
    const help = strings.retentionHelp(s.maxRetentionDays, s.defaultRetentionDays);
    return html`
      <form data-testid="admin-settings" novalidate @submit=${this.saveSettings}>
        <div class="field">
          <label for="retention">${strings.retentionLabel}</label>
          <input id="retention" data-testid="retention-input" type="number" inputmode="numeric" min="1" max=${s.maxRetentionDays ?? nothing} step="1" required
            .value=${this.retention} @input=${(e: Event) => { this.retention = (e.target as HTMLInputElement).value; }}
            aria-invalid=${retentionError ? 'true' : 'false'} aria-describedby="retention-help${retentionError ? ' retention-error' : ''}">
          ${help ? html`<p class="help" id="retention-help">${help}</p>` : html`<span id="retention-help" hidden></span>`}
          ${retentionError ? html`<span class="error" id="retention-error" data-testid="retention-error">${strings.retentionLabel}: ${retentionError}</span>` : nothing}
        </div>
        <fieldset aria-describedby="recording-help">
          <legend>${strings.recordingTitle}</legend>
          <p class="help" id="recording-help">${strings.recordingHelp}</p>
          ${this.categories.length
            ? html`<div class="checks">${this.categories.map((c) => html`
                <label class="check">
                  <input type="checkbox" data-testid="recording-${c}" .checked=${this.recording[c] !== false}
                    @change=${(e: Event) => { this.recording = { ...this.recording, [c]: (e.target as HTMLInputElement).checked }; }}>
                  <span><span class="vh">${strings.recordCategory(c)}</span><span aria-hidden="true">${c}</span></span>
                </label>`)}</div>`
            : html`<p class="help">${strings.recordingNone}</p>`}
          ${recordingErrors.length ? html`<p class="error">${recordingErrors.join(' ')}</p>` : nothing}
        </fieldset>
        <div class="row">
          <button type="submit" class="primary" data-testid="settings-save" ?disabled=${this.settingsBusy}>${strings.settingsSave}</button>
          <span role="status" aria-live="polite" data-testid="settings-status"
            class=${this.settingsStatus === strings.settingsSaved ? 'ok' : Object.keys(this.settingsErrors).length ? 'error' : ''}>${this.settingsStatus}</span>
        </div>
      </form>
    `;
  }

  // -- tokens --------------------------------------------------------------------------------

  private async loadTokens(): Promise<void> {
    this.tokensError = '';
    try {
      this.tokens = (await this.api!.get<TokensList>('/v1/tokens')).tokens;
    } catch (error) {
      this.tokensError = errorText(error);
    }
  }

  private async createToken(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.api || this.tokenBusy) return;
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const restrict: Restriction = {};
    for (const key of RESTRICT_KEYS) {
      const v = String(data.get(`restrict-${key}`) ?? '').trim();
      if (v) restrict[key] = v;
    }
    const days = String(data.get('expiry') ?? 'never');
    const body = {
      name: String(data.get('name') ?? '').trim(),
      scopes: data.getAll('scopes').map(String),
      ...(Object.keys(restrict).length ? { restrict } : {}),
      ...(days !== 'never' ? { expiresAt: new Date(Date.now() + Number(days) * 86_400_000).toISOString() } : {}),
    };
    this.tokenBusy = true;
    this.tokenErrors = {};
    this.tokenStatus = strings.tokenCreating;
    try {
      const created = await this.api.post<TokenInfo>('/v1/tokens', body);
      this.created = created;
      this.tokenStatus = strings.tokenCreated(created.name);
      form.reset();
      await this.updateComplete;
      (this.renderRoot.querySelector('[data-testid="token-value"]') as HTMLInputElement | null)?.select();
      void this.loadTokens();
    } catch (error) {
      this.tokenErrors = fieldErrors(error);
      this.tokenStatus = Object.keys(this.tokenErrors).length ? strings.tokenInvalid : errorText(error);
      const general = this.tokenErrors[''] ?? this.tokenErrors['(body)'] ?? this.tokenErrors.restrict;
      if (general && Object.keys(this.tokenErrors).length === 1) this.tokenStatus = `${strings.tokenInvalid} ${general}`;
      await this.updateComplete;
      (this.renderRoot.querySelector('form[data-testid="token-form"] [aria-invalid="true"]') as HTMLElement | null)?.focus();
    } finally {
      this.tokenBusy = false;
    }
  }

  private async copyToken(): Promise<void> {
    const input = this.renderRoot.querySelector('[data-testid="token-value"]') as HTMLInputElement | null;
    if (!input) return;
    try {
      await navigator.clipboard.writeText(input.value);
      this.tokenStatus = strings.tokenCopied;
    } catch {
      input.select();
      this.tokenStatus = strings.tokenCopyFailed;
    }
  }

  private async askRevoke(token: TokenInfo): Promise<void> {
    this.confirming = token.id;
    await this.updateComplete;
    (this.renderRoot.querySelector('[data-testid="token-revoke-confirm"]') as HTMLElement | null)?.focus();
  }

  private async cancelRevoke(id: string): Promise<void> {
    this.confirming = undefined;
    await this.updateComplete;
    (this.renderRoot.querySelector(`tr[data-id="${CSS.escape(id)}"] [data-testid="token-revoke"]`) as HTMLElement | null)?.focus();
  }

  private async revoke(token: TokenInfo): Promise<void> {
    if (!this.api) return;
    try {
      await this.api.del(`/v1/tokens/${encodeURIComponent(token.id)}`);
      this.confirming = undefined;
      if (this.created?.id === token.id) this.created = undefined;
      this.tokenStatus = strings.tokenRevokedDone(token.name);
      await this.loadTokens();
      (this.renderRoot.querySelector('#tokens-title') as HTMLElement | null)?.focus();
    } catch (error) {
      this.tokenStatus = errorText(error);
    }
  }

  private renderTokens() {
    if (!this.tokens) {
      return this.tokensError
        ? html`<div class="state error" role="alert">${this.tokensError} <button type="button" @click=${() => this.loadTokens()}>${strings.retry}</button></div>`
        : html`<div class="state">${strings.tokensLoading}</div>`;
    }
    if (!this.tokens.length) return html`<div class="state">${strings.tokensEmpty}</div>`;
    return html`
      <div class="table-wrap">
        <table data-testid="tokens-table" aria-label=${strings.tokensTableLabel}>
          <thead><tr>
            <th scope="col">${strings.colName}</th>
            <th scope="col">${strings.colScopes}</th>
            <th scope="col">${strings.colRestriction}</th>
            <th scope="col">${strings.colCreated}</th>
            <th scope="col">${strings.colExpires}</th>
            <th scope="col">${strings.colStatus}</th>
            <th scope="col">${strings.colActions}</th>
          </tr></thead>
          <tbody>${this.tokens.map((t) => this.renderToken(t))}</tbody>
        </table>
      </div>
    `;
  }

  private renderToken(t: TokenInfo) {
    const expired = !!t.expiresAt && Date.parse(t.expiresAt) <= Date.now();
    const status = t.revokedAt ? strings.tokenRevoked : expired ? strings.tokenExpired : strings.tokenActive;
    const yours = t.id === this.session?.tokenId;
    const usable = !t.revokedAt && !expired;
    return html`
      <tr data-testid="token-row" data-id=${t.id} class=${usable ? '' : 'revoked'}>
        <td data-label=${strings.colName}><div>${t.name}${yours ? html` <span class="muted">${strings.tokenYours}</span>` : nothing}</div></td>
        <td data-label=${strings.colScopes}>${t.scopes.join(', ')}</td>
        <td data-label=${strings.colRestriction}>${restrictionText(t.restrict)}</td>
        <td class="time" data-label=${strings.colCreated}>${timeText(t.createdAt)}</td>
        <td class="time" data-label=${strings.colExpires}>${timeText(t.expiresAt)}</td>
        <td data-label=${strings.colStatus}><div><span class="badge ${usable ? 'ok' : 'bad'}">${status}</span></div></td>
        <td class="actions" data-label=${strings.colActions}>
          ${!usable ? strings.none : this.confirming === t.id
            ? html`<div class="confirm" role="group" aria-labelledby="revoke-ask-${t.id}">
                <span id="revoke-ask-${t.id}">${strings.tokenRevokeAsk(t.name)}${yours ? ` ${strings.tokenRevokeAskYours}` : ''}</span>
                <span class="row">
                  <button type="button" class="primary" data-testid="token-revoke-confirm" @click=${() => this.revoke(t)}>${strings.tokenRevokeConfirm}</button>
                  <button type="button" @click=${() => this.cancelRevoke(t.id)}>${strings.tokenRevokeCancel}</button>
                </span>
              </div>`
            : html`<button type="button" data-testid="token-revoke" @click=${() => this.askRevoke(t)}>${strings.tokenRevoke}<span class="vh"> ${t.name}</span></button>`}
        </td>
      </tr>
    `;
  }

  private renderCreate() {
    const err = this.tokenErrors;
    const invalid = (path: string) => (err[path] ? 'true' : 'false');
    const describe = (id: string, path: string) => (err[path] ? `${id}-error` : nothing);
    const message = (id: string, path: string) => (err[path] ? html`<span class="error" id="${id}-error">${err[path]}</span>` : nothing);
    const scopeError = err.scopes ?? Object.entries(err).find(([p]) => p.startsWith('scopes['))?.[1];
    const inherited = this.session?.restrict && Object.keys(this.session.restrict).length ? restrictionText(this.session.restrict) : '';
    return html`
      <form data-testid="token-form" novalidate @submit=${this.createToken} aria-labelledby="token-new-title">
        <h3 id="token-new-title">${strings.tokenNewTitle}</h3>
        <div class="field">
          <label for="token-name">${strings.tokenName}</label>
          <input id="token-name" name="name" data-testid="token-name" required maxlength="128" autocomplete="off"
            aria-invalid=${invalid('name')} aria-describedby=${describe('token-name', 'name')}>
          ${message('token-name', 'name')}
        </div>
        <fieldset aria-describedby=${scopeError ? 'token-scopes-error' : nothing}>
          <legend>${strings.tokenScopes}</legend>
          <div class="checks">
            ${SCOPES.map((scope: Scope) => html`
              <label class="check">
                <input type="checkbox" name="scopes" value=${scope} data-testid="token-scope-${scope}" ?checked=${scope === 'events:read'}>
                <span>${strings.tokenScope[scope] ?? scope} <code class="muted">${scope}</code></span>
              </label>`)}
          </div>
          ${scopeError ? html`<span class="error" id="token-scopes-error">${scopeError}</span>` : nothing}
        </fieldset>
        <fieldset aria-describedby="token-restrict-help">
          <legend>${strings.tokenRestrictTitle}</legend>
          <p class="help" id="token-restrict-help">${strings.tokenRestrictHelp}${inherited ? ` ${strings.tokenRestrictInherited(inherited)}` : ''}</p>
          <div class="grid">
            ${RESTRICT_KEYS.map((key) => html`
              <div class="field">
                <label for="token-restrict-${key}">${strings.tokenRestrict[key]}</label>
                <input id="token-restrict-${key}" name="restrict-${key}" data-testid="token-restrict-${key}" autocomplete="off"
                  value=${this.session?.restrict?.[key] ?? ''}
                  aria-invalid=${invalid(`restrict.${key}`)} aria-describedby=${describe(`token-restrict-${key}`, `restrict.${key}`)}>
                ${message(`token-restrict-${key}`, `restrict.${key}`)}
              </div>`)}
          </div>
          ${err.restrict ? html`<span class="error">${err.restrict}</span>` : nothing}
        </fieldset>
        <div class="field">
          <label for="token-expiry">${strings.tokenExpiry}</label>
          <select id="token-expiry" name="expiry" data-testid="token-expiry" aria-invalid=${invalid('expiresAt')} aria-describedby=${describe('token-expiry', 'expiresAt')}>
            ${EXPIRY_DAYS.map((d) => html`<option value=${d}>${strings.tokenExpiryOptions[d]}</option>`)}
          </select>
          ${message('token-expiry', 'expiresAt')}
        </div>
        <div class="row">
          <button type="submit" class="primary" data-testid="token-create" ?disabled=${this.tokenBusy}>${strings.tokenCreate}</button>
        </div>
      </form>
    `;
  }

  private renderCreated(t: TokenInfo) {
    return html`
      <div class="created" data-testid="token-created">
        <p id="token-value-warning">${strings.tokenValueWarning}</p>
        <label for="token-value">${strings.tokenValue} — ${t.name}</label>
        <div class="row">
          <input id="token-value" data-testid="token-value" readonly .value=${t.token ?? ''} aria-describedby="token-value-warning"
            @focus=${(e: Event) => (e.target as HTMLInputElement).select()}>
          <button type="button" data-testid="token-copy" @click=${() => this.copyToken()}>${strings.tokenCopy}</button>
          <button type="button" data-testid="token-done" @click=${() => { this.created = undefined; this.tokenStatus = ''; }}>${strings.tokenDone}</button>
        </div>
      </div>
    `;
  }

  protected render() {
    return html`
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">${strings.settingsTitle}</h2>
        ${this.renderSettings()}
      </section>
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title" tabindex="-1">${strings.tokensTitle}</h2>
        <p role="status" aria-live="polite" data-testid="token-status">${this.tokenStatus}</p>
        ${this.created ? this.renderCreated(this.created) : nothing}
        ${this.renderTokens()}
        ${this.renderCreate()}
      </section>
    `;
  }
}

if (!customElements.get('alv-admin')) customElements.define('alv-admin', AlvAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'alv-admin': AlvAdmin;
  }
}
