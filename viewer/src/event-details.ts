/**
 * `<alv-event-details>`: one event in full, in a modal side panel (a native `<dialog>`: focus
 * moves into it and stays there, Escape closes it; the list then puts focus back on the row).
 * Every field, the parsed client, resource and project, the metadata as indented JSON text,
 * and for events with `changes` a field | before | after table from microdiff. All event data
 * is rendered as text (Lit escapes it); nothing of it is ever parsed as HTML.
 *
 * Events: `details-close` when the panel closes; `filters-change` (like the filter bar) from
 * the "other events by this actor / on this resource" links, keeping the time window.
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { actorLabel, diffRows, formatJson, formatTime, resultBadge, severityLabel } from './format.js';
import { strings } from './strings.js';
import { base } from './styles.js';
import type { AuditEvent, EventFilters } from './types.js';
import { compact } from './url-state.js';

export class AlvEventDetails extends LitElement {
  static properties = {
    event: { attribute: false },
    filters: { attribute: false },
    copyStatus: { state: true },
  };

  static styles = [base, css`
    dialog {
      margin: 0 0 0 auto; padding: 0; border: 0; border-inline-start: 1px solid var(--alv-border);
      width: min(46rem, 100vw); max-width: 100vw; height: 100%; max-height: 100%;
      background: var(--alv-bg); color: var(--alv-fg); box-shadow: -8px 0 24px rgb(0 0 0 / 0.25);
    }
    dialog::backdrop { background: rgb(0 0 0 / 0.35); }
    .head { position: sticky; top: 0; display: flex; gap: 0.5em; align-items: center; padding: 0.75em 1em; background: var(--alv-surface); border-bottom: 1px solid var(--alv-border); }
    h2 { font-size: 1.15em; margin: 0; flex: 1; overflow-wrap: anywhere; }
    h3 { font-size: 1em; margin: 1.25em 0 0.4em; }
    .body { padding: 0.5em 1em 2em; }
    dl { display: grid; grid-template-columns: minmax(7em, max-content) 1fr; gap: 0.3em 1em; margin: 0; }
    dt { color: var(--alv-muted); font-weight: 600; font-size: 0.9em; }
    dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
    pre { margin: 0; padding: 0.75em; background: var(--alv-surface); border: 1px solid var(--alv-border); border-radius: var(--alv-radius); overflow: auto; max-height: 24em; white-space: pre-wrap; overflow-wrap: anywhere; }
    .links { display: flex; flex-wrap: wrap; gap: 0.5em 1em; margin-top: 1em; }
    table { width: 100%; border-collapse: collapse; }
    th, td { text-align: start; padding: 0.35em 0.5em; border: 1px solid var(--alv-border); vertical-align: top; overflow-wrap: anywhere; }
    th { background: var(--alv-surface); font-size: 0.9em; }
    tr.changed td.before, tr.removed td.before { background: var(--alv-del-bg); }
    tr.changed td.after, tr.added td.after { background: var(--alv-add-bg); }
    td.path { font-weight: 600; }
    .kind { display: block; font-size: 0.8em; font-weight: 400; color: var(--alv-muted); }
    @media (max-width: 560px) { dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.4em; } }
  `];

  declare event: AuditEvent | null;
  declare filters: EventFilters;
  declare copyStatus: string;

  constructor() {
    super();
    this.event = null;
    this.filters = {};
    this.copyStatus = '';
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  protected updated(changed: PropertyValues<this>): void {
    if (!changed.has('event')) return;
    const d = this.dialog;
    if (!d) return;
    if (this.event && !d.open) {
      d.showModal();
      (this.renderRoot.querySelector('h2') as HTMLElement | null)?.focus();
    } else if (!this.event && d.open) d.close();
    if (changed.get('event')?.id !== this.event?.id) this.copyStatus = '';
  }

  /** Closes the panel (the list restores focus on `details-close`). */
  close(): void {
    this.dialog?.close();
  }

  private onClose(): void {
    this.dispatchEvent(new CustomEvent('details-close', { bubbles: true, composed: true }));
  }

  private async copyId(): Promise<void> {
    if (!this.event) return;
    try {
      await navigator.clipboard.writeText(this.event.id);
      this.copyStatus = strings.copied;
    } catch {
      // No clipboard permission (embedded without it, some browsers): select the id and copy
      // the old way, which a click allows; else leave it selected for the reader to copy.
      const code = this.renderRoot.querySelector('[data-testid="event-id"]');
      const selection = getSelection();
      if (code && selection) {
        selection.selectAllChildren(code);
        let ok = false;
        try {
          ok = document.execCommand('copy');
        } catch {
          ok = false;
        }
        this.copyStatus = ok ? strings.copied : strings.copyFailed;
      } else {
        this.copyStatus = strings.copyFailed;
      }
    }
  }

  private otherEvents(patch: EventFilters): void {
    const { from, to, range } = this.filters;
    const filters = compact<EventFilters>({ from, to, range, ...patch });
    this.close();
    this.dispatchEvent(new CustomEvent('filters-change', { detail: { filters }, bubbles: true, composed: true }));
  }

  private row(label: string, value: unknown) {
    if (value === undefined || value === null || value === '') return nothing;
    return html`<dt>${label}</dt><dd>${value}</dd>`;
  }

  private time(iso: string | undefined) {
    if (!iso) return undefined;
    const t = formatTime(iso);
    return html`<time datetime=${t.iso} title=${t.utc}>${t.text}</time> <span class="muted">(${t.utc})</span>`;
  }

  private renderDiff(e: AuditEvent) {
    if (!e.changes) return nothing;
    const rows = diffRows(e.changes.before, e.changes.after);
    const kind = { added: strings.dChangeAdded, removed: strings.dChangeRemoved, changed: strings.dChangeChanged };
    return html`<h3 id="d-changes">${strings.dChanges}</h3>
      ${rows.length === 0 ? html`<p>${strings.dNoChanges}</p>` : html`
      <table data-testid="diff" aria-labelledby="d-changes">
        <thead><tr><th scope="col">${strings.dField}</th><th scope="col">${strings.dBefore}</th><th scope="col">${strings.dAfter}</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr class=${r.kind} data-path=${r.path}>
          <td class="path"><code>${r.path}</code><span class="kind">${kind[r.kind]}</span></td>
          <td class="before">${r.before}</td>
          <td class="after">${r.after}</td>
        </tr>`)}</tbody>
      </table>`}`;
  }

  private renderBody(e: AuditEvent) {
    const badge = resultBadge(e.result);
    return html`<div class="body">
      <dl>
        <dt>${strings.dId}</dt>
        <dd><code data-testid="event-id">${e.id}</code>
          <button type="button" class="link" data-testid="copy-id" @click=${this.copyId}>${strings.copyId}</button>
          <span class="vh" role="status">${this.copyStatus}</span>${this.copyStatus ? html`<span class="muted" aria-hidden="true">${this.copyStatus}</span>` : nothing}
        </dd>
        ${this.row(strings.dOccurredAt, this.time(e.occurredAt))}
        ${this.row(strings.dReceivedAt, this.time(e.receivedAt))}
        ${this.row(strings.colAction, html`<code>${e.action}</code>`)}
        ${this.row(strings.dCategory, e.category)}
        ${this.row(strings.dMessage, e.message)}
        ${this.row(strings.colResult, html`<span class="badge ${badge.tone}">${badge.label}</span>`)}
        ${this.row(strings.colSeverity, html`<span class="sev-${e.severity}">${severityLabel(e.severity)}</span>`)}
        ${this.row(strings.colActor, actorLabel(e.actor))}
        ${this.row(strings.dActorType, e.actor?.type)}
        ${this.row(strings.dActorId, e.actor?.id ? html`<code>${e.actor.id}</code>` : undefined)}
        ${this.row(strings.dEmail, e.actor?.email)}
        ${this.row(strings.colResource, e.resource ? html`${e.resource.type} <code>${e.resource.id}</code>${e.resource.name ? html` — ${e.resource.name}` : nothing}` : undefined)}
        ${this.row(strings.colProject, e.project)}
        ${this.row(strings.colIp, e.ip)}
        ${this.row(strings.dBrowser, e.client?.browser)}
        ${this.row(strings.dOs, e.client?.os)}
        ${this.row(strings.dDevice, e.client?.device)}
        ${this.row(strings.dUserAgent, e.userAgent)}
        ${this.row(strings.dArchived, (e as { archived?: boolean }).archived ? strings.dYes : undefined)}
      </dl>
      <div class="links">
        ${e.actor?.id ? html`<button type="button" class="link" data-testid="other-by-actor" @click=${() => this.otherEvents({ actor: e.actor.id })}>${strings.dOtherByActor}</button>` : nothing}
        ${e.resource ? html`<button type="button" class="link" data-testid="other-on-resource" @click=${() => this.otherEvents({ resourceType: e.resource!.type, resourceId: e.resource!.id })}>${strings.dOtherOnResource}</button>` : nothing}
      </div>
      ${this.renderDiff(e)}
      ${e.metadata && Object.keys(e.metadata).length ? html`<h3>${strings.dMetadata}</h3><pre data-testid="metadata">${formatJson(e.metadata)}</pre>` : nothing}
    </div>`;
  }

  render() {
    const e = this.event;
    return html`<dialog data-testid="event-details" aria-labelledby="d-title" @close=${this.onClose}>
      ${e ? html`<div class="head">
        <h2 id="d-title" tabindex="-1">${e.message || e.action}</h2>
        <button type="button" data-testid="details-close" @click=${this.close}>${strings.close}</button>
      </div>
      ${this.renderBody(e)}` : nothing}
    </dialog>`;
  }
}

if (!customElements.get('alv-event-details')) customElements.define('alv-event-details', AlvEventDetails);
