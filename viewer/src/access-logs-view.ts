/**
 * `<alv-access-logs>`: the Access logs tab. Sign-ins grouped by the API (same actor, IP and
 * user agent less than an hour apart): date and time first–last, actor, IP, device and
 * browser, count, result; its own filters (user id, date presets or custom range, result),
 * "Load more" paging and empty / error states. Filter changes go out as
 * `access-filters-change` (`detail.filters`) for the root element to keep in the URL.
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import type { ApiClient } from './api.js';
import { errorText } from './events-view.js';
import { rangeField, type RangePick } from './filters.js';
import { actorDetail, actorLabel, clientLabel, formatSpan, resultBadge } from './format.js';
import { strings } from './strings.js';
import { base, table } from './styles.js';
import { RESULTS, type AccessLogGroup, type AccessLogsPage, type Restriction } from './types.js';
import { compact, fromLocalInput, sameFilters, toLocalInput, type AccessFilters } from './url-state.js';

const PAGE_SIZE = 50;
/** Cursors followed at most in one load when pages come back short. */
const MAX_FOLLOW = 4;

export class AlvAccessLogs extends LitElement {
  static properties = {
    api: { attribute: false },
    filters: { attribute: false },
    restrict: { attribute: false },
    groups: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    error: { state: true },
  };

  static styles = [base, table, css`
    :host { display: block; }
    fieldset { border: 0; margin: 0 0 0.75em; padding: 0; min-width: 0; }
    legend { font-weight: 700; padding: 0; margin-bottom: 0.35em; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 12.5em), 1fr)); gap: 0.6em 0.8em; align-items: end; }
    td.count { text-align: end; font-variant-numeric: tabular-nums; }
    @media (max-width: 700px) { td.count { text-align: start; } }
    tbody tr { cursor: default; }
  `];

  declare api: ApiClient | undefined;
  declare filters: AccessFilters;
  declare restrict: Restriction | undefined;
  declare groups: AccessLogGroup[];
  declare nextCursor: string | null;
  declare loading: boolean;
  declare error: string;

  private seq = 0;
  private loadedFilters: AccessFilters | undefined;

  constructor() {
    super();
    this.filters = {};
    this.groups = [];
    this.nextCursor = null;
    this.loading = false;
    this.error = '';
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('api') || changed.has('filters')) && this.api) {
      if (!this.loadedFilters || changed.has('api') || !sameFilters(this.loadedFilters, this.filters)) {
        this.loadedFilters = this.filters;
        void this.load(true);
      }
    }
  }

  async load(reset = false): Promise<void> {
    if (!this.api) return;
    const seq = ++this.seq;
    if (reset) {
      this.groups = [];
      this.nextCursor = null;
    }
    this.loading = true;
    this.error = '';
    try {
      // Short or empty pages with a cursor (the server bounds each scan) are followed a few times.
      const query = { ...this.filters, limit: PAGE_SIZE };
      let page = await this.api.get<AccessLogsPage>('/v1/access-logs', { ...query, cursor: reset ? undefined : this.nextCursor ?? undefined });
      const got = [...page.groups];
      for (let follow = 0; follow < MAX_FOLLOW && got.length < PAGE_SIZE && page.nextCursor && seq === this.seq; follow++) {
        page = await this.api.get<AccessLogsPage>('/v1/access-logs', { ...query, cursor: page.nextCursor });
        got.push(...page.groups);
      }
      if (seq !== this.seq) return;
      this.groups = reset ? got : [...this.groups, ...got];
      this.nextCursor = page.nextCursor;
    } catch (error) {
      if (seq !== this.seq) return;
      this.error = errorText(error);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  private emit(patch: Partial<AccessFilters>): void {
    const filters = compact<AccessFilters>({ ...this.filters, ...patch });
    this.dispatchEvent(new CustomEvent('access-filters-change', { detail: { filters }, bubbles: true, composed: true }));
  }

  private onRange = (pick: RangePick): void => {
    if (pick) this.emit(pick);
    else (this.renderRoot.querySelector('#a-from') as HTMLInputElement | null)?.focus();
  };

  private renderFilters() {
    const f = this.filters;
    const fixedActor = this.restrict?.actor;
    return html`<fieldset>
      <legend>${strings.filtersLabel}</legend>
      <div class="grid">
        <div class="field">
          <label for="a-actor">${strings.fActorId}</label>
          <input id="a-actor" data-testid="access-filter-actor" autocomplete="off" spellcheck="false" .value=${fixedActor ?? f.actor ?? ''} ?readonly=${!!fixedActor}
            @change=${(e: Event) => this.emit({ actor: (e.target as HTMLInputElement).value.trim() || undefined })}
            @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') this.emit({ actor: (e.target as HTMLInputElement).value.trim() || undefined }); }}>
        </div>
        ${rangeField('a-range', 'access-filter-range', f, this.onRange)}
        <div class="field">
          <label for="a-from">${strings.fFrom}</label>
          <input id="a-from" type="datetime-local" data-testid="access-filter-from" .value=${toLocalInput(f.from)} @change=${(e: Event) => this.emit({ from: fromLocalInput((e.target as HTMLInputElement).value), range: undefined })}>
        </div>
        <div class="field">
          <label for="a-to">${strings.fTo}</label>
          <input id="a-to" type="datetime-local" data-testid="access-filter-to" .value=${toLocalInput(f.to)} @change=${(e: Event) => this.emit({ to: fromLocalInput((e.target as HTMLInputElement).value), range: undefined })}>
        </div>
        <div class="field">
          <label for="a-result">${strings.fResult}</label>
          <select id="a-result" data-testid="access-filter-result" @change=${(e: Event) => this.emit({ result: ((e.target as HTMLSelectElement).value || undefined) as AccessFilters['result'] })}>
            <option value="" ?selected=${!f.result}>${strings.fAny}</option>
            ${RESULTS.map((v) => html`<option value=${v} ?selected=${f.result === v}>${resultBadge(v).label}</option>`)}
          </select>
        </div>
        <div><button type="button" data-testid="access-filter-clear" ?disabled=${!Object.keys(f).length} @click=${() => this.dispatchEvent(new CustomEvent('access-filters-change', { detail: { filters: {} }, bubbles: true, composed: true }))}>${strings.fClear}</button></div>
      </div>
    </fieldset>`;
  }

  private renderRow(g: AccessLogGroup) {
    const span = formatSpan(g.firstAt, g.lastAt);
    const badge = resultBadge(g.result);
    const sub = actorDetail(g.actor);
    return html`<tr data-testid="access-row" data-actor=${g.actor?.id ?? ''}>
      <td class="time" data-label=${strings.colWhen}><time datetime=${span.iso} title=${span.utc}>${span.text}</time></td>
      <td data-label=${strings.colActor}><span>${actorLabel(g.actor)}${sub ? html`<span class="sub">${sub}</span>` : nothing}</span></td>
      <td class="nowrap" data-label=${strings.colIp}>${g.ip ?? strings.none}</td>
      <td data-label=${strings.colDevice}>${clientLabel(g.client)}</td>
      <td class="count" data-label=${strings.colCount}>${g.count}</td>
      <td data-label=${strings.colResult}><span class="badge ${badge.tone}">${badge.label}</span></td>
    </tr>`;
  }

  private renderFooter() {
    if (this.error) {
      return html`<div class="state error" role="alert" data-testid="access-error">${this.error}
        <button type="button" @click=${() => this.load(this.groups.length === 0)}>${strings.retry}</button></div>`;
    }
    if (this.loading) return html`<div class="state" role="status">${strings.loadingAccess}</div>`;
    if (!this.groups.length && this.nextCursor) {
      return html`<div class="state" role="status">${strings.accessNoneYet}
        <div class="more"><button type="button" data-testid="access-load-more" @click=${() => this.load(false)}>${strings.loadMore}</button></div></div>`;
    }
    if (!this.groups.length) return html`<div class="state" role="status" data-testid="access-empty">${strings.accessEmpty}</div>`;
    if (this.nextCursor) return html`<div class="more"><button type="button" data-testid="access-load-more" @click=${() => this.load(false)}>${strings.loadMore}</button></div>`;
    return html`<div class="more muted" data-testid="access-no-more">${strings.noMoreAccess}</div>`;
  }

  render() {
    return html`${this.renderFilters()}
      <div class="table-wrap">
        <table data-testid="access-table" aria-label=${strings.accessTableLabel} aria-busy=${this.loading ? 'true' : 'false'}>
          <thead><tr>
            <th scope="col">${strings.colWhen}</th><th scope="col">${strings.colActor}</th><th scope="col">${strings.colIp}</th>
            <th scope="col">${strings.colDevice}</th><th scope="col">${strings.colCount}</th><th scope="col">${strings.colResult}</th>
          </tr></thead>
          <tbody>${this.groups.map((g) => this.renderRow(g))}</tbody>
        </table>
        ${this.renderFooter()}
      </div>`;
  }
}

if (!customElements.get('alv-access-logs')) customElements.define('alv-access-logs', AlvAccessLogs);
