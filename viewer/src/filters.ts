/**
 * `<alv-filters>`: the events filter bar. Every control is labelled and carries
 * `data-testid="filter-<name>"`. It owns no state: it shows `filters` and announces each
 * change as a `filters-change` event (`detail.filters`, the whole new set), which the root
 * element writes into the URL and hands back down. A restricted token's fixed filters
 * (`restrict`) are shown read-only, since the server enforces them anyway.
 *
 * Suggestions come from what the list has loaded (`seen`) and, for the user field, a
 * debounced search over the API (`GET /v1/events?q=…&limit=50`, distinct actors).
 */
import { LitElement, html, css, nothing } from 'lit';
import type { ApiClient } from './api.js';
import { actorLabel } from './format.js';
import { strings } from './strings.js';
import { base } from './styles.js';
import { RESULTS, SEVERITIES, RANGES, type AuditEvent, type EventFilters, type EventsPage, type Restriction } from './types.js';
import { compact, fromLocalInput, toLocalInput } from './url-state.js';

type Actor = AuditEvent['actor'];

/** What the loaded events offer as suggestions. */
export interface Seen {
  /** category → actions seen in it. */
  readonly actions: Map<string, Set<string>>;
  readonly actors: Map<string, Actor>;
  readonly resourceTypes: Set<string>;
  readonly projects: Set<string>;
}

/** An empty {@link Seen}. */
/** A date-preset choice: a preset (clearing from/to), or undefined for "custom range" (the caller focuses its from-field). */
export type RangePick = Pick<EventFilters, 'range' | 'from' | 'to'> | undefined;

/** The date-preset select (24 h, 7 d, 30 d, custom) of a filter bar; the events and access-log filters share it. */
export function rangeField(id: string, testId: string, f: Pick<EventFilters, 'range' | 'from' | 'to'>, onPick: (pick: RangePick) => void) {
  const value = f.from || f.to ? 'custom' : f.range ?? '';
  const option = (v: string, label: string) => html`<option value=${v} ?selected=${value === v}>${label}</option>`;
  const change = (e: Event) => {
    const v = (e.target as HTMLSelectElement).value;
    onPick(v === 'custom' ? undefined : { range: (RANGES as readonly string[]).includes(v) ? (v as EventFilters['range']) : undefined, from: undefined, to: undefined });
  };
  return html`<div class="field">
    <label for=${id}>${strings.fRange}</label>
    <select id=${id} data-testid=${testId} @change=${change}>
      ${option('', strings.fRangeAny)}${option('24h', strings.fRange24h)}${option('7d', strings.fRange7d)}${option('30d', strings.fRange30d)}${option('custom', strings.fRangeCustom)}
    </select>
  </div>`;
}

export function emptySeen(): Seen {
  return { actions: new Map(), actors: new Map(), resourceTypes: new Set(), projects: new Set() };
}

/** Adds what `events` show to `seen` (mutates; cheap enough to run on every page). */
export function addSeen(seen: Seen, events: readonly AuditEvent[]): void {
  for (const e of events) {
    let set = seen.actions.get(e.category);
    if (!set) seen.actions.set(e.category, (set = new Set()));
    set.add(e.action);
    if (e.actor?.id && !seen.actors.has(e.actor.id)) seen.actors.set(e.actor.id, e.actor);
    if (e.resource?.type) seen.resourceTypes.add(e.resource.type);
    if (e.project) seen.projects.add(e.project);
  }
}

const ACTION = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/;
const ID = /^[A-Za-z0-9._:@+-]{1,128}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const ACTOR_SEARCH_MS = 250;
const Q_MS = 350;

export class AlvFilters extends LitElement {
  static properties = {
    filters: { attribute: false },
    restrict: { attribute: false },
    seen: { attribute: false },
    api: { attribute: false },
    actorOptions: { state: true },
    expanded: { state: true },
  };

  static styles = [base, css`
    :host { display: block; }
    fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
    legend { font-weight: 700; padding: 0; margin-bottom: 0.35em; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 12.5em), 1fr)); gap: 0.6em 0.8em; align-items: start; }
    .grid + .grid { margin-top: 0.6em; }
    .toggle { display: none; }
    @media (max-width: 700px) {
      .toggle { display: inline-block; margin-top: 0.5em; }
      .grid.collapsed { display: none; }
    }
    .wide { grid-column: span 2; }
    @media (max-width: 460px) { .wide { grid-column: auto; } }
    .chips { display: flex; flex-wrap: wrap; gap: 0.35em; margin-top: 0.35em; }
    .chip { display: inline-flex; align-items: center; gap: 0.2em; border: 1px solid var(--alv-border); border-radius: 999px; padding: 0 0.2em 0 0.65em; background: var(--alv-surface); font-size: 0.9em; }
    .chip button { border: 0; background: none; min-height: 0; padding: 0.1em 0.45em; border-radius: 999px; }
    .actions { display: flex; gap: 0.5em; align-self: end; }
    small { color: var(--alv-muted); font-size: 0.8em; }
  `];

  declare filters: EventFilters;
  declare restrict: Restriction | undefined;
  declare seen: Seen;
  declare api: ApiClient | undefined;
  declare actorOptions: Actor[];
  /** On narrow screens the filters other than search fold away behind a "Filters (n)" button. */
  declare expanded: boolean;

  private actorTimer?: ReturnType<typeof setTimeout>;
  private qTimer?: ReturnType<typeof setTimeout>;
  private actorSearchSeq = 0;

  constructor() {
    super();
    this.filters = {};
    this.seen = emptySeen();
    this.actorOptions = [];
    this.expanded = false;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.actorTimer);
    clearTimeout(this.qTimer);
  }

  private emit(patch: Partial<EventFilters>): void {
    clearTimeout(this.qTimer);
    const filters = compact<EventFilters>({ ...this.filters, ...patch });
    this.dispatchEvent(new CustomEvent('filters-change', { detail: { filters }, bubbles: true, composed: true }));
  }

  // -- action --------------------------------------------------------------------------------
  private addAction(input: HTMLInputElement): void {
    const value = input.value.trim().toLowerCase();
    if (!value) return;
    if (!ACTION.test(value)) {
      input.setCustomValidity(strings.fActionHelp);
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    input.value = '';
    const current = this.filters.action ?? [];
    if (!current.includes(value)) this.emit({ action: [...current, value] });
  }

  private onActionKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') {
      e.preventDefault();
      this.addAction(e.target as HTMLInputElement);
    }
  }

  // -- actor ---------------------------------------------------------------------------------
  private onActorInput(e: InputEvent): void {
    const input = e.target as HTMLInputElement;
    const typed = input.value.trim();
    // A pick from the suggestion list arrives as a replacement with an exact id: apply it now.
    if (e.inputType === 'insertReplacementText' || (e.inputType === undefined && this.knownActor(typed))) {
      this.applyActor(input);
      return;
    }
    clearTimeout(this.actorTimer);
    if (typed.length < 2 || !this.api) return;
    const seq = ++this.actorSearchSeq;
    this.actorTimer = setTimeout(async () => {
      try {
        // Short pages with a cursor (the server bounds each scan) are followed a little.
        const found = new Map<string, Actor>();
        let cursor: string | null | undefined;
        for (let i = 0; i < 6 && found.size < 10; i++) {
          const page: EventsPage = await this.api!.get<EventsPage>('/v1/events', { q: typed, limit: 50, cursor: cursor ?? undefined });
          if (seq !== this.actorSearchSeq) return;
          for (const ev of page.events) if (ev.actor?.id) found.set(ev.actor.id, ev.actor);
          this.actorOptions = [...found.values()];
          cursor = page.nextCursor;
          if (!cursor) break;
        }
      } catch {
        // suggestions are a convenience; the field still takes an id typed by hand
      }
    }, ACTOR_SEARCH_MS);
  }

  private knownActor(value: string): Actor | undefined {
    return this.seen.actors.get(value) ?? this.actorOptions.find((a) => a.id === value);
  }

  /** The id of the one known actor whose id, name or email `value` is. */
  private resolveKnown(value: string): string | undefined {
    if (!value) return undefined;
    const exact = this.knownActor(value);
    if (exact) return exact.id;
    const lower = value.toLowerCase();
    const all = [...this.seen.actors.values(), ...this.actorOptions];
    const byName = [...new Set(all.filter((a) => a.name?.toLowerCase() === lower || a.email?.toLowerCase() === lower).map((a) => a.id))];
    return byName.length === 1 ? byName[0] : undefined;
  }

  /** The typed text as an actor id: a known actor's, else the text itself if id-like. */
  private resolveActor(value: string): string | undefined {
    if (!value) return undefined;
    return this.resolveKnown(value) ?? (ID.test(value) ? value : undefined);
  }

  private applyActor(input: HTMLInputElement): void {
    const value = input.value.trim();
    const known = this.resolveKnown(value);
    // An email no loaded actor has: filter by email (the API's actorEmail) rather than guess an id.
    if (!known && EMAIL.test(value)) {
      input.setCustomValidity('');
      input.value = '';
      this.emit({ actor: undefined, actorEmail: value.toLowerCase() });
      return;
    }
    const id = this.resolveActor(value);
    if (value && !id) {
      input.setCustomValidity(strings.fActorHelp);
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    if (id !== this.filters.actor) this.emit({ actor: id });
    if (id) input.value = id;
  }

  // -- time ----------------------------------------------------------------------------------
  private onRange = (pick: RangePick): void => {
    // Custom: keep the window as is; focus the first date so the user can type it.
    if (pick) this.emit(pick);
    else (this.renderRoot.querySelector('[data-testid="filter-from"]') as HTMLInputElement | null)?.focus();
  };

  private onDate(which: 'from' | 'to', e: Event): void {
    const iso = fromLocalInput((e.target as HTMLInputElement).value);
    this.emit({ [which]: iso, range: undefined });
  }

  // -- search --------------------------------------------------------------------------------
  private onQInput(e: Event): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.qTimer);
    this.qTimer = setTimeout(() => this.emit({ q: value.trim() || undefined }), Q_MS);
  }

  private onQKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') {
      e.preventDefault();
      this.emit({ q: (e.target as HTMLInputElement).value.trim() || undefined });
    }
  }

  private text(name: 'category' | 'resourceType' | 'project', e: Event): void {
    const value = (e.target as HTMLInputElement).value.trim();
    if ((this.filters[name] ?? '') !== value) this.emit({ [name]: value || undefined });
  }

  private clear(): void {
    clearTimeout(this.qTimer);
    this.dispatchEvent(new CustomEvent('filters-change', { detail: { filters: {} }, bubbles: true, composed: true }));
  }

  /** A text field with suggestions, read-only when the token fixes it. */
  private textField(name: 'category' | 'resourceType' | 'project', label: string, options: Iterable<string>) {
    const fixed = this.restrict?.[name];
    const id = `f-${name}`;
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} data-testid=${`filter-${name}`} list=${`${id}-list`} autocomplete="off" spellcheck="false"
        .value=${fixed ?? this.filters[name] ?? ''} ?readonly=${!!fixed}
        aria-describedby=${fixed ? 'fixed-note' : nothing}
        @change=${(e: Event) => this.text(name, e)}
        @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') this.text(name, e); }}>
      ${fixed ? nothing : html`<datalist id=${`${id}-list`}>${[...options].sort().map((o) => html`<option value=${o}></option>`)}</datalist>`}
    </div>`;
  }

  render() {
    const f = this.filters;
    const r = this.restrict ?? {};
    const categories = [...this.seen.actions.keys()].sort();
    if (r.category && !categories.includes(r.category)) categories.push(r.category);
    const actionOptions = categories.flatMap((c) => [`${c}.*`, ...[...(this.seen.actions.get(c) ?? [])].sort()]);
    const actors = new Map<string, Actor>([...this.seen.actors, ...this.actorOptions.map((a) => [a.id, a] as const)]);
    const actorFixed = r.actor;
    const chosenActor = f.actor ? actors.get(f.actor) : undefined;
    const hasAny = Object.keys(f).length > 0;
    const active = Object.keys(f).filter((k) => k !== 'q').length;
    return html`<fieldset>
      <legend>${strings.filtersLabel}</legend>
      <div class="grid">
        <div class="field wide">
          <label for="f-q">${strings.fQ}</label>
          <input id="f-q" type="search" data-testid="filter-q" .value=${f.q ?? ''} placeholder=${strings.fQPlaceholder}
            autocomplete="off" @input=${this.onQInput} @keydown=${this.onQKey}>
        </div>
      </div>
      <button type="button" class="toggle" aria-expanded=${this.expanded ? 'true' : 'false'} aria-controls="more-filters"
        @click=${() => { this.expanded = !this.expanded; }}>${strings.fMore(active)}</button>
      <div class="grid ${this.expanded ? '' : 'collapsed'}" id="more-filters">
        <div class="field">
          <label for="f-action">${strings.fAction}</label>
          <input id="f-action" data-testid="filter-action" list="f-action-list" autocomplete="off" spellcheck="false"
            placeholder=${strings.fActionPlaceholder} aria-describedby="f-action-help" @keydown=${this.onActionKey} @change=${(e: Event) => this.addAction(e.target as HTMLInputElement)}>
          <span id="f-action-help" class="vh">${strings.fActionHelp}</span>
          <datalist id="f-action-list">${actionOptions.map((a) => html`<option value=${a}></option>`)}</datalist>
        </div>
        ${this.textField('category', strings.fCategory, categories)}
        ${this.textField('resourceType', strings.fResourceType, this.seen.resourceTypes)}
        <div class="field">
          <label for="f-actor">${strings.fActor}</label>
          <input id="f-actor" data-testid="filter-actor" list="f-actor-list" autocomplete="off" spellcheck="false"
            .value=${actorFixed ?? f.actor ?? ''} ?readonly=${!!actorFixed} placeholder=${strings.fActorHelp}
            aria-describedby=${actorFixed ? 'fixed-note' : 'f-actor-name'}
            @input=${this.onActorInput} @change=${(e: Event) => this.applyActor(e.target as HTMLInputElement)}
            @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter') { e.preventDefault(); this.applyActor(e.target as HTMLInputElement); } }}>
          <small id="f-actor-name">${chosenActor ? actorLabel(chosenActor) : ''}</small>
          ${actorFixed ? nothing : html`<datalist id="f-actor-list">${[...actors.values()].map((a) => html`<option value=${a.id} label=${[actorLabel(a), a.email].filter(Boolean).join(' · ')}></option>`)}</datalist>`}
        </div>
        ${this.textField('project', strings.fProject, this.seen.projects)}
        <div class="field">
          <label for="f-result">${strings.fResult}</label>
          <select id="f-result" data-testid="filter-result" @change=${(e: Event) => this.emit({ result: ((e.target as HTMLSelectElement).value || undefined) as EventFilters['result'] })}>
            <option value="" ?selected=${!f.result}>${strings.fAny}</option>
            ${RESULTS.map((v) => html`<option value=${v} ?selected=${f.result === v}>${v === 'success' ? strings.resultSuccess : v === 'failure' ? strings.resultFailure : strings.resultInvalidInput}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="f-severity">${strings.fSeverity}</label>
          <select id="f-severity" data-testid="filter-severity" @change=${(e: Event) => this.emit({ severity: ((e.target as HTMLSelectElement).value || undefined) as EventFilters['severity'] })}>
            <option value="" ?selected=${!f.severity}>${strings.fAny}</option>
            ${SEVERITIES.map((v) => html`<option value=${v} ?selected=${f.severity === v}>${strings.severity[v]}</option>`)}
          </select>
        </div>
        ${rangeField('f-range', 'filter-range', f, this.onRange)}
        <div class="field">
          <label for="f-from">${strings.fFrom}</label>
          <input id="f-from" type="datetime-local" data-testid="filter-from" .value=${toLocalInput(f.from)} @change=${(e: Event) => this.onDate('from', e)}>
        </div>
        <div class="field">
          <label for="f-to">${strings.fTo}</label>
          <input id="f-to" type="datetime-local" data-testid="filter-to" .value=${toLocalInput(f.to)} @change=${(e: Event) => this.onDate('to', e)}>
        </div>
        <div class="actions">
          <button type="button" data-testid="filter-clear" @click=${this.clear} ?disabled=${!hasAny}>${strings.fClear}</button>
        </div>
      </div>
      <div class="chips" aria-live="polite">
        ${(f.action ?? []).map((a) => this.chip(a, strings.fActionRemove(a), () => this.emit({ action: f.action!.filter((x) => x !== a) })))}
        ${f.resourceId ? this.chip(strings.fResourceId(f.resourceId), strings.fRemoveFilter(strings.fResourceId(f.resourceId)), () => this.emit({ resourceId: undefined })) : nothing}
        ${f.actorEmail ? this.chip(strings.fActorEmail(f.actorEmail), strings.fRemoveFilter(strings.fActorEmail(f.actorEmail)), () => this.emit({ actorEmail: undefined })) : nothing}
        ${Object.keys(r).length ? html`<small id="fixed-note">${strings.fFixed}: ${Object.entries(r).map(([k, v]) => strings.restrictionPart(k, String(v))).join(strings.and)}</small>` : nothing}
      </div>
    </fieldset>`;
  }

  private chip(label: string, removeLabel: string, remove: () => void) {
    return html`<span class="chip" data-testid="filter-chip">${label}<button type="button" aria-label=${removeLabel} title=${removeLabel} @click=${remove}>×</button></span>`;
  }
}

if (!customElements.get('alv-filters')) customElements.define('alv-filters', AlvFilters);
