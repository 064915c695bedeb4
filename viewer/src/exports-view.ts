/**
 * Exports: `<alv-export-dialog>` (the modal "Export" opens with the current filters: asks
 * where to mail the link, starts the export, shows its progress and a download button) and
 * `<alv-exports>` (the Exports tab: recent exports with status, rows, size and a download link).
 * Both talk to `POST/GET /v1/exports` only (scope `exports:write`).
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { ApiError, type ApiClient } from './api.js';
import { formatBytes, formatTime } from './format.js';
import { strings } from './strings.js';
import { base, table } from './styles.js';
import type { EventFilters, ExportJob, ExportsPage } from './types.js';

/** How often a running export's progress is asked for. */
export const POLL_MS = 1_000;
/** How often the Exports tab refreshes exports that are still running. */
const LIST_POLL_MS = 3_000;

const FILTER_LABELS: Record<string, () => string> = {
  action: () => strings.fAction, category: () => strings.fCategory, actor: () => strings.fActor,
  actorEmail: () => strings.dEmail, resourceType: () => strings.fResourceType,
  project: () => strings.fProject, result: () => strings.fResult, severity: () => strings.fSeverity, q: () => strings.fQ,
  range: () => strings.fRange, from: () => strings.fFrom, to: () => strings.fTo,
};

/** The filters an export takes: those of GET /v1/events without paging, empty values dropped. */
export function exportFilters(filters: EventFilters): EventFilters {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters) as [string, unknown][]) {
    if (key === 'cursor' || key === 'limit' || value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) && !value.length) continue;
    out[key] = value;
  }
  return out as EventFilters;
}

/** "Project p_7 · Action project.*, user.*" — or "all events". */
export function filtersSummary(filters: EventFilters | undefined): string {
  const parts = Object.entries(exportFilters(filters ?? {})).map(([key, value]) => {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    if (key === 'resourceId') return strings.fResourceId(text);
    if (key === 'range') return ({ '24h': strings.fRange24h, '7d': strings.fRange7d, '30d': strings.fRange30d } as Record<string, string>)[text] ?? text;
    return `${FILTER_LABELS[key]?.() ?? key} ${key === 'from' || key === 'to' ? formatTime(text).text : text}`;
  });
  return parts.length ? parts.join(' · ') : strings.exportAllEvents;
}

const TONES: Record<string, string> = { succeeded: 'ok', failed: 'bad', queued: 'warn', running: 'warn' };

function statusBadge(status: string) {
  return html`<span class="badge ${TONES[status] ?? ''}">${strings.exportStatus[status] ?? status}</span>`;
}

function timeText(iso: string | null | undefined) {
  if (!iso) return strings.none;
  const t = formatTime(iso);
  return html`<time datetime=${t.iso} title=${t.utc}>${t.text}</time>`;
}

/** The element focused in the document, looking through shadow roots. */
function deepActiveElement(): HTMLElement | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}

/** A link that may be used now (not expiring within the minute). */
function freshLink(job: ExportJob): string | undefined {
  if (!job.downloadUrl) return undefined;
  if (job.downloadUrlExpiresAt && Date.parse(job.downloadUrlExpiresAt) < Date.now() + 60_000) return undefined;
  return job.downloadUrl;
}

/** Starts a download of `url` from a click the user made (the file is served as an attachment). */
function startDownload(root: Node, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener noreferrer';
  a.hidden = true;
  root.appendChild(a);
  a.click();
  a.remove();
}

/** `<alv-export-dialog>`: call `open(filters)`; property `api`, optional `email` (skips the question). */
export class AlvExportDialog extends LitElement {
  static properties = {
    api: { attribute: false },
    email: {},
    phase: { state: true },
    job: { state: true },
    emailValue: { state: true },
    emailError: { state: true },
    error: { state: true },
    pollError: { state: true },
  };

  static styles = [base, css`
    dialog {
      width: min(34rem, calc(100vw - 1rem)); max-width: calc(100vw - 1rem); padding: 0;
      border: 1px solid var(--alv-border); border-radius: var(--alv-radius);
      background: var(--alv-bg); color: var(--alv-fg); box-shadow: 0 8px 32px rgb(0 0 0 / 0.3);
    }
    dialog::backdrop { background: rgb(0 0 0 / 0.4); }
    header, footer { display: flex; align-items: center; gap: 0.5em; padding: 0.75em 1em; }
    header { border-bottom: 1px solid var(--alv-border); background: var(--alv-surface); }
    footer { justify-content: flex-end; flex-wrap: wrap; border-top: 1px solid var(--alv-border); }
    h2 { margin: 0; font-size: 1.15em; flex: 1; }
    h2:focus { outline: none; }
    .body { padding: 0.75em 1em; display: flex; flex-direction: column; gap: 0.75em; }
    .body p { margin: 0; overflow-wrap: anywhere; }
    .progress { display: flex; flex-wrap: wrap; gap: 0.5em 1.25em; align-items: center; }
    progress { width: 100%; }
    .error { color: var(--alv-bad-fg); }
    a.btn { text-decoration: none; display: inline-flex; align-items: center; }
    a.primary { background: var(--alv-accent); color: var(--alv-accent-fg); border-color: var(--alv-accent); }
  `];

  declare api: ApiClient | undefined;
  /** Where the link goes (e.g. the viewer session's email); when set, `open` starts at once. */
  declare email: string | undefined;
  declare phase: 'ask' | 'starting' | 'progress';
  declare job: ExportJob | undefined;
  declare emailValue: string;
  declare emailError: string;
  declare error: string;
  declare pollError: string;
  private filters: EventFilters = {};
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private returnFocus: HTMLElement | null = null;

  constructor() {
    super();
    this.phase = 'ask';
    this.emailValue = '';
    this.emailError = '';
    this.error = '';
    this.pollError = '';
  }

  private get dialog(): HTMLDialogElement {
    return this.renderRoot.querySelector('dialog')!;
  }

  /** Opens the modal for an export of the events matching `filters`; resolves once it is shown (and started, with an email). */
  async open(filters: EventFilters): Promise<void> {
    this.stopPolling();
    this.filters = exportFilters(filters);
    this.job = undefined;
    this.error = '';
    this.emailError = '';
    this.pollError = '';
    this.emailValue = this.email ?? this.emailValue;
    this.phase = 'ask';
    this.returnFocus = deepActiveElement();
    await this.updateComplete;
    if (!this.dialog.open) this.dialog.showModal();
    if (this.email) {
      await this.start();
    } else {
      (this.renderRoot.querySelector('input') as HTMLInputElement | null)?.focus();
    }
  }

  /** Closes the modal; the export goes on (its link is mailed). */
  close(): void {
    if (this.dialog?.open) this.dialog.close();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopPolling();
  }

  private onClose = () => {
    this.stopPolling();
    this.returnFocus?.focus();
    this.returnFocus = null;
    this.dispatchEvent(new CustomEvent('export-dialog-close', { bubbles: true, composed: true }));
  };

  private async start(): Promise<void> {
    if (!this.api || this.phase === 'starting') return;
    this.phase = 'starting';
    this.error = '';
    this.emailError = '';
    try {
      this.job = await this.api.post<ExportJob>('/v1/exports', { filters: this.filters, email: this.emailValue.trim(), format: 'csv' });
      this.phase = 'progress';
      await this.updateComplete;
      (this.renderRoot.querySelector('h2') as HTMLElement | null)?.focus();
      this.schedulePoll();
    } catch (error) {
      this.phase = 'ask';
      const e = error as ApiError;
      const emailProblem = e.details?.find((d) => d.path === 'email');
      if (emailProblem) this.emailError = strings.exportInvalid(strings.exportEmail, emailProblem.message);
      const others = (e.details ?? []).filter((d) => d !== emailProblem);
      this.error = others.length
        ? others.map((d) => strings.exportInvalid(d.path, d.message)).join(' ')
        : emailProblem ? '' : errorText(e);
      await this.updateComplete;
      const input = this.renderRoot.querySelector('input');
      if (emailProblem && input) input.focus();
    }
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    const job = this.job;
    if (!job || !this.api || !this.dialog?.open) return;
    try {
      const fresh = await this.api.get<ExportJob>(`/v1/exports/${encodeURIComponent(job.id)}`);
      if (this.job?.id !== job.id) return;
      this.job = fresh;
      this.pollError = '';
    } catch (error) {
      if (this.job?.id !== job.id) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404)) {
        this.pollError = errorText(error);
        return;
      }
      this.pollError = strings.exportPollError((error as Error).message);
    }
    if (this.job.status !== 'succeeded' && this.job.status !== 'failed' && this.dialog.open) this.schedulePoll();
  }

  private onSubmit(e: Event) {
    e.preventDefault();
    void this.start();
  }

  protected render() {
    return html`
      <dialog data-testid="export-dialog" aria-labelledby="export-title" aria-describedby="export-intro" @close=${this.onClose}>
        <header>
          <h2 id="export-title" tabindex="-1">${strings.exportTitle}</h2>
        </header>
        ${this.phase === 'progress' && this.job ? this.renderProgress(this.job) : this.renderAsk()}
      </dialog>
    `;
  }

  private renderAsk() {
    const busy = this.phase === 'starting';
    return html`
      <form novalidate @submit=${this.onSubmit}>
        <div class="body">
          <p id="export-intro">${strings.exportIntro}</p>
          <p class="muted">${strings.exportFilters(filtersSummary(this.filters))}</p>
          <div class="field">
            <label for="export-email">${strings.exportEmail}</label>
            <input id="export-email" data-testid="export-email" type="email" autocomplete="email" required
              .value=${this.emailValue} @input=${(e: Event) => { this.emailValue = (e.target as HTMLInputElement).value; }}
              aria-invalid=${this.emailError ? 'true' : 'false'} aria-describedby=${this.emailError ? 'export-email-error' : nothing}>
            ${this.emailError ? html`<span id="export-email-error" class="error">${this.emailError}</span>` : nothing}
          </div>
          <p role="status" aria-live="polite" class=${this.error ? 'error' : ''}>${busy ? strings.exportStarting : this.error}</p>
        </div>
        <footer>
          <button type="button" @click=${() => this.close()}>${strings.close}</button>
          <button type="submit" class="primary" data-testid="export-start" ?disabled=${busy}>${strings.exportStart}</button>
        </footer>
      </form>
    `;
  }

  private renderProgress(job: ExportJob) {
    const done = job.status === 'succeeded';
    const failed = job.status === 'failed';
    const rows = job.rowCount ?? 0;
    return html`
      <div class="body">
        <p id="export-intro">${strings.exportStarted(job.email ?? this.emailValue)}</p>
        <p class="muted">${strings.exportFilters(filtersSummary(job.filters ?? this.filters))}</p>
        <div class="progress" role="status" aria-live="polite" id="export-progress">
          <span data-testid="export-status">${strings.exportStatusLine(strings.exportStatus[job.status] ?? job.status)}</span>
          <span data-testid="export-rows">${done ? strings.exportRowsDone(rows, formatBytes(job.bytes ?? undefined)) : strings.exportRowsSoFar(rows)}</span>
        </div>
        ${done || failed ? nothing : html`<progress aria-labelledby="export-progress"></progress>`}
        ${failed ? html`<p class="error" role="alert">${strings.exportFailed(job.error || strings.exportStatus.failed)}</p>` : nothing}
        ${this.pollError ? html`<p class="error" role="alert">${this.pollError}</p>` : nothing}
      </div>
      <footer>
        <button type="button" @click=${() => this.close()}>${strings.close}</button>
        ${done && job.downloadUrl
          ? html`<a class="btn primary" data-testid="export-download" href=${job.downloadUrl} download rel="noopener noreferrer">${strings.exportDownload}</a>`
          : nothing}
      </footer>
    `;
  }
}

function errorText(error: unknown): string {
  const e = error as ApiError;
  if (e?.status === 0) return strings.errorNetwork;
  if (e?.status === 403) return strings.errorForbidden;
  return strings.errorGeneric(e?.message ?? String(error));
}

/** `<alv-exports>`: the Exports tab. Property `api`. */
export class AlvExports extends LitElement {
  static properties = {
    api: { attribute: false },
    items: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    error: { state: true },
    message: { state: true },
  };

  static styles = [base, table, css`
    :host { display: block; background: var(--alv-bg); }
    tbody tr { cursor: default; }
    h2 { font-size: 1.15em; margin: 0; }
    td.filters { overflow-wrap: anywhere; min-width: 10em; }
    td.num, th.num { text-align: end; white-space: nowrap; }
    @media (max-width: 700px) { td.num { text-align: start; } }
    .error { color: var(--alv-bad-fg); }
    .sub { display: block; font-size: 0.85em; color: var(--alv-muted); overflow-wrap: anywhere; }
  `];

  declare api: ApiClient | undefined;
  declare items: ExportJob[];
  declare nextCursor: string | null;
  declare loading: boolean;
  declare error: string;
  declare message: string;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by each reload: answers to older loads are dropped. */
  private generation = 0;
  /** The client the list was last loaded with. */
  private loadedWith: ApiClient | undefined;

  constructor() {
    super();
    this.items = [];
    this.nextCursor = null;
    this.loading = false;
    this.error = '';
    this.message = '';
  }

  connectedCallback(): void {
    super.connectedCallback();
    // Shown again (e.g. back on the tab): fresh statuses. The first load comes from willUpdate.
    if (this.api && this.loadedWith) void this.reload();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.generation++;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') && this.api && this.api !== this.loadedWith) void this.reload();
  }

  /** Loads the first page again. */
  async reload(): Promise<void> {
    this.loadedWith = this.api;
    await this.load(); // the rows shown stay until the first page replaces them
  }

  private async load(cursor?: string): Promise<void> {
    if (!this.api) return;
    const gen = ++this.generation;
    this.loading = true;
    this.error = '';
    try {
      const page = await this.api.get<ExportsPage>('/v1/exports', { cursor });
      if (gen !== this.generation) return;
      this.items = cursor ? [...this.items, ...page.exports] : page.exports;
      this.nextCursor = page.nextCursor;
      this.message = '';
    } catch (error) {
      if (gen !== this.generation) return;
      this.error = errorText(error);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
    this.schedulePoll();
  }

  /** While some exports run, their progress is refreshed every few seconds. */
  private schedulePoll(): void {
    if (this.pollTimer !== undefined || !this.isConnected) return;
    if (!this.items.some((j) => j.status === 'queued' || j.status === 'running')) return;
    this.pollTimer = setTimeout(async () => {
      this.pollTimer = undefined;
      const gen = this.generation;
      const running = this.items.filter((j) => j.status === 'queued' || j.status === 'running');
      const fresh = await Promise.all(running.map((j) => this.fetchOne(j.id).catch(() => j)));
      if (gen !== this.generation) return;
      this.replace(fresh);
      this.schedulePoll();
    }, LIST_POLL_MS);
  }

  private fetchOne(id: string): Promise<ExportJob> {
    return this.api!.get<ExportJob>(`/v1/exports/${encodeURIComponent(id)}`);
  }

  private replace(jobs: readonly ExportJob[]): void {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    this.items = this.items.map((j) => byId.get(j.id) ?? j);
  }

  /** A link in the list may have expired (or be absent): get a freshly signed one, then download. */
  private async download(e: Event, job: ExportJob): Promise<void> {
    if (freshLink(job)) return; // the link's own navigation downloads it
    e.preventDefault();
    try {
      const fresh = await this.fetchOne(job.id);
      this.replace([fresh]);
      if (fresh.downloadUrl) startDownload(this.renderRoot, fresh.downloadUrl);
      else this.message = strings.exportsFileGone;
    } catch (error) {
      this.message = errorText(error);
    }
  }

  protected render() {
    return html`
      <section aria-labelledby="exports-title">
        <div class="toolbar">
          <h2 id="exports-title">${strings.exportsTitle}</h2>
          <span class="spacer"></span>
          <button type="button" data-testid="exports-refresh" @click=${() => this.reload()} ?disabled=${this.loading}>${strings.exportsRefresh}</button>
        </div>
        <p role="status" aria-live="polite" class="vh">${this.loading ? strings.exportsLoading : ''}</p>
        ${this.message ? html`<p role="alert" class="error">${this.message}</p>` : nothing}
        ${this.renderBody()}
      </section>
    `;
  }

  private renderBody() {
    if (this.error && !this.items.length) {
      return html`<div class="state error" role="alert">${this.error} <button type="button" @click=${() => this.reload()}>${strings.retry}</button></div>`;
    }
    if (!this.items.length) {
      return html`<div class="state">${this.loading ? strings.exportsLoading : strings.exportsEmpty}</div>`;
    }
    return html`
      <div class="table-wrap">
        <table data-testid="exports-table" aria-label=${strings.exportsTableLabel}>
          <thead><tr>
            <th scope="col">${strings.exportsColCreated}</th>
            <th scope="col">${strings.exportsColFilters}</th>
            <th scope="col">${strings.exportsColStatus}</th>
            <th scope="col" class="num">${strings.exportsColRows}</th>
            <th scope="col" class="num">${strings.exportsColSize}</th>
            <th scope="col">${strings.exportsColFile}</th>
          </tr></thead>
          <tbody>${this.items.map((job) => this.renderRow(job))}</tbody>
        </table>
      </div>
      <div class="more">
        ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : nothing}
        ${this.nextCursor
          ? html`<button type="button" @click=${() => this.load(this.nextCursor ?? undefined)} ?disabled=${this.loading}>${strings.loadMore}</button>`
          : html`<span class="muted">${strings.exportsNoMore}</span>`}
      </div>
    `;
  }

  private renderRow(job: ExportJob) {
    const when = formatTime(job.createdAt).text;
    const gone = job.status === 'succeeded' && !job.downloadUrl && job.fileExpiresAt !== undefined && (!job.fileExpiresAt || Date.parse(job.fileExpiresAt) < Date.now());
    let file: unknown = strings.none;
    if (job.status === 'succeeded') {
      const label = html`${strings.exportDownload}<span class="vh">${strings.exportsDownloadOf(when)}</span>`;
      file = gone
        ? strings.exportsFileGone
        : job.downloadUrl
          ? html`<a href=${job.downloadUrl} download rel="noopener noreferrer" data-testid="export-row-download" @click=${(e: Event) => this.download(e, job)}>${label}</a>`
          : html`<button type="button" class="link" data-testid="export-row-download" @click=${(e: Event) => this.download(e, job)}>${label}</button>`;
    }
    return html`
      <tr data-testid="export-row" data-id=${job.id}>
        <td class="time" data-label=${strings.exportsColCreated}><div>${timeText(job.createdAt)}${job.email ? html`<span class="sub">${strings.exportsSentTo(job.email)}</span>` : nothing}</div></td>
        <td class="filters" data-label=${strings.exportsColFilters}>${filtersSummary(job.filters)}</td>
        <td data-label=${strings.exportsColStatus}><div>${statusBadge(job.status)}${job.status === 'failed' && job.error ? html`<span class="sub">${job.error}</span>` : nothing}</div></td>
        <td class="num" data-label=${strings.exportsColRows}>${(job.rowCount ?? 0).toLocaleString()}</td>
        <td class="num" data-label=${strings.exportsColSize}>${formatBytes(job.bytes ?? undefined)}</td>
        <td data-label=${strings.exportsColFile}><div>${file}</div></td>
      </tr>
    `;
  }
}

if (!customElements.get('alv-export-dialog')) customElements.define('alv-export-dialog', AlvExportDialog);
if (!customElements.get('alv-exports')) customElements.define('alv-exports', AlvExports);

declare global {
  interface HTMLElementTagNameMap {
    'alv-export-dialog': AlvExportDialog;
    'alv-exports': AlvExports;
  }
}
