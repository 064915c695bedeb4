/**
 * Shared styles of every viewer element (Lit `css`, adopted as constructable stylesheets, so
 * the page's CSP needs no `unsafe-inline` style). Colours are custom properties with a light
 * and a dark set (`prefers-color-scheme`); every text/background pair meets WCAG AA (4.5:1);
 * focus is always visible. A host page may override the `--alv-*` properties on
 * `audit-log-viewer` (they inherit through the shadow roots).
 */
import { css } from 'lit';

/** Colours, type, controls, badges, focus, visually-hidden text. Include first in every element. */
export const base = css`
  :host {
    --alv-bg: #ffffff;
    --alv-fg: #1b1f24;
    --alv-muted: #57606a;
    --alv-border: #c4cbd3;
    --alv-surface: #f6f8fa;
    --alv-accent: #0b5cad;
    --alv-accent-fg: #ffffff;
    --alv-focus: #0b5cad;
    --alv-selected: #ddf4ff;
    --alv-new: #fff3b0;
    --alv-ok-bg: #dafbe1; --alv-ok-fg: #116329;
    --alv-bad-bg: #ffebe9; --alv-bad-fg: #a40e26;
    --alv-warn-bg: #fff8c5; --alv-warn-fg: #6f4400;
    --alv-del-bg: #ffebe9; --alv-add-bg: #dafbe1;
    --alv-radius: 6px;
    color-scheme: light dark;
    color: var(--alv-fg);
    font: 400 var(--alv-font-size, clamp(14px, 0.25vw + 11px, 18px)) / 1.45 var(--alv-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
  }
  /* The root element's first box sets text again: a host page's rules (even !important ones)
     can reach the host element itself and would be inherited from there. */
  .alv-root {
    color: var(--alv-fg); background: var(--alv-bg); text-align: start; letter-spacing: normal; text-transform: none;
    font: 400 var(--alv-font-size, clamp(14px, 0.25vw + 11px, 18px)) / 1.45 var(--alv-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --alv-bg: #0d1117;
      --alv-fg: #e6edf3;
      --alv-muted: #9da7b3;
      --alv-border: #3d444d;
      --alv-surface: #161b22;
      --alv-accent: #4493f8;
      --alv-accent-fg: #0d1117;
      --alv-focus: #79b8ff;
      --alv-selected: #0c2d6b;
      --alv-new: #3b2e00;
      --alv-ok-bg: #033a16; --alv-ok-fg: #7ee787;
      --alv-bad-bg: #4c0b0b; --alv-bad-fg: #ffa198;
      --alv-warn-bg: #3b2300; --alv-warn-fg: #e3b341;
      --alv-del-bg: #4c0b0b; --alv-add-bg: #033a16;
    }
  }
  *, *::before, *::after { box-sizing: border-box; }
  [hidden] { display: none !important; }
  :focus-visible { outline: 3px solid var(--alv-focus); outline-offset: 2px; }
  a { color: var(--alv-accent); }
  .muted { color: var(--alv-muted); }
  .vh {
    position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
  }
  button, .btn {
    font: inherit; cursor: pointer; border-radius: var(--alv-radius); padding: 0.35em 0.9em;
    border: 1px solid var(--alv-border); background: var(--alv-surface); color: var(--alv-fg);
    min-height: 2.25em;
  }
  button:hover { border-color: var(--alv-muted); }
  button.primary { background: var(--alv-accent); color: var(--alv-accent-fg); border-color: var(--alv-accent); }
  button.link { border: 0; background: none; color: var(--alv-accent); text-decoration: underline; padding: 0.2em 0.3em; min-height: 0; }
  button:disabled { cursor: default; opacity: 0.75; }
  input, select, textarea {
    font: inherit; color: var(--alv-fg); background: var(--alv-bg);
    border: 1px solid var(--alv-muted); border-radius: var(--alv-radius); padding: 0.3em 0.5em; min-height: 2.25em;
    max-width: 100%;
  }
  input[readonly] { background: var(--alv-surface); border-style: dashed; }
  label { display: block; }
  .field { display: flex; flex-direction: column; gap: 0.15em; min-width: 0; }
  .field > span, .field > label { font-size: 0.85em; color: var(--alv-muted); font-weight: 600; }
  .badge {
    display: inline-block; padding: 0.05em 0.55em; border-radius: 999px; font-size: 0.85em; font-weight: 600;
    white-space: nowrap; border: 1px solid transparent;
  }
  .badge.ok { background: var(--alv-ok-bg); color: var(--alv-ok-fg); }
  .badge.bad { background: var(--alv-bad-bg); color: var(--alv-bad-fg); }
  .badge.warn { background: var(--alv-warn-bg); color: var(--alv-warn-fg); }
  .sev-warning { color: var(--alv-warn-fg); font-weight: 600; }
  .sev-critical { color: var(--alv-bad-fg); font-weight: 700; }
  .state { padding: 1.5em 1em; text-align: center; color: var(--alv-fg); }
  .state.error { color: var(--alv-bad-fg); }
  .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5em 1em; margin: 0.5em 0; }
  .spacer { flex: 1; }
  code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
`;

/**
 * Lists (events, access logs): a table that becomes stacked cards below 700 px (each cell
 * labelled by its column through `data-label`), scrolls sideways between 700 and 1000 px.
 */
export const table = css`
  .table-wrap { overflow-x: auto; border: 1px solid var(--alv-border); border-radius: var(--alv-radius); }
  table { width: 100%; border-collapse: collapse; overflow-anchor: none; }

  th, td { text-align: start; padding: 0.45em 0.65em; border-bottom: 1px solid var(--alv-border); vertical-align: top; }
  th { background: var(--alv-surface); font-size: 0.85em; font-weight: 700; white-space: nowrap; position: sticky; top: 0; }
  tbody tr { cursor: pointer; }
  tbody tr:hover { background: var(--alv-surface); }
  tbody tr.selected { background: var(--alv-selected); }
  tbody tr:focus-visible { outline-offset: -3px; }
  tr.new { animation: alv-new 2.5s ease-out; }
  @keyframes alv-new { from { background: var(--alv-new); } to { background: transparent; } }
  @media (prefers-reduced-motion: reduce) { tr.new { animation: none; background: var(--alv-new); } }
  td { overflow-wrap: anywhere; }
  td.time { white-space: nowrap; overflow-wrap: normal; }
  td .sub { display: block; font-size: 0.85em; color: var(--alv-muted); }
  td.nowrap { white-space: nowrap; }
  .more { display: flex; justify-content: center; align-items: center; gap: 1em; padding: 0.75em; }
  @media (max-width: 700px) {
    table, thead, tbody, tr, td { display: block; }
    thead tr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    tbody tr { border-bottom: 1px solid var(--alv-border); padding: 0.4em 0; }
    td { border: 0; padding: 0.15em 0.75em; display: grid; grid-template-columns: 6.5em 1fr; gap: 0.5em; overflow-wrap: anywhere; }
    td > .badge { justify-self: start; }
    td::before { content: attr(data-label); font-weight: 600; color: var(--alv-muted); font-size: 0.85em; }
    td.time { white-space: normal; }
  }
`;
