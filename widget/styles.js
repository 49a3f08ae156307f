// The widget's stylesheet, adopted by its shadow root: nothing leaks in or out of it.
// Sites theme it through the --slotwise-* custom properties, which do cross the boundary.

const STYLES = `
:host {
  all: initial;
  display: block;
  --slotwise-accent: #2563eb;
  --slotwise-accent-text: #fff;
  --slotwise-background: #fff;
  --slotwise-text: #111827;
  --slotwise-muted: #6b7280;
  --slotwise-border: #d1d5db;
  --slotwise-error: #b91c1c;
  --slotwise-radius: 8px;
  --slotwise-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
:host([theme="dark"]) {
  --slotwise-accent: #60a5fa;
  --slotwise-accent-text: #0b1220;
  --slotwise-background: #111827;
  --slotwise-text: #f3f4f6;
  --slotwise-muted: #9ca3af;
  --slotwise-border: #374151;
  --slotwise-error: #fca5a5;
}
:host([hidden]) { display: none; }
:host([theme="dark"]) .sw { color-scheme: dark; }
.sw {
  all: initial;
  display: block;
  box-sizing: border-box;
  padding: 16px;
  font: 15px/1.45 var(--slotwise-font);
  color: var(--slotwise-text);
  background: var(--slotwise-background);
  border: 1px solid var(--slotwise-border);
  border-radius: var(--slotwise-radius);
}
*, *::before, *::after { box-sizing: border-box; }
h2 { font-size: 1.25em; margin: 0 0 4px; }
h3 { font-size: 1em; margin: 0; }
p { margin: 4px 0; }
a { color: var(--slotwise-accent); }
.muted { color: var(--slotwise-muted); }
.desc { white-space: pre-wrap; }
button, input, select, textarea { font: inherit; color: inherit; }
button, .button {
  cursor: pointer;
  padding: 6px 12px;
  border: 1px solid var(--slotwise-border);
  border-radius: calc(var(--slotwise-radius) / 2);
  background: transparent;
  text-decoration: none;
}
button:disabled { cursor: default; opacity: 0.45; }
.primary {
  background: var(--slotwise-accent);
  border-color: var(--slotwise-accent);
  color: var(--slotwise-accent-text);
  font-weight: 600;
}
:focus-visible { outline: 3px solid var(--slotwise-accent); outline-offset: 2px; }
.cols { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); }
.nav { display: flex; align-items: center; justify-content: space-between; margin: 12px 0 8px; }
.grid { display: grid; grid-template-columns: repeat(7, 1fr); gap: 4px; text-align: center; }
.grid [role="row"] { display: contents; }
.grid [role="columnheader"] { font-size: 0.8em; color: var(--slotwise-muted); }
.day, .off {
  display: flex;
  align-items: center;
  justify-content: center;
  width: 100%;
  aspect-ratio: 1;
  padding: 0;
}
.day {
  border-color: transparent;
  font-weight: 600;
  color: var(--slotwise-accent);
  background: color-mix(in srgb, var(--slotwise-accent) 14%, transparent);
}
[aria-selected="true"] .day { background: var(--slotwise-accent); color: var(--slotwise-accent-text); }
.off { color: var(--slotwise-muted); opacity: 0.6; }
.slots { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; max-height: 340px; overflow: auto; }
.slots button { width: 100%; border-color: var(--slotwise-accent); color: var(--slotwise-accent); font-weight: 600; }
label { display: block; margin: 10px 0 4px; font-weight: 600; }
input, select, textarea {
  display: block;
  width: 100%;
  padding: 8px;
  border: 1px solid var(--slotwise-border);
  border-radius: calc(var(--slotwise-radius) / 2);
  background: var(--slotwise-background);
}
textarea { min-height: 4.5em; resize: vertical; }
[aria-invalid="true"] { border-color: var(--slotwise-error); }
.error { color: var(--slotwise-error); font-size: 0.9em; }
.notice {
  margin: 10px 0;
  padding: 8px 12px;
  border-radius: calc(var(--slotwise-radius) / 2);
  background: color-mix(in srgb, var(--slotwise-accent) 12%, transparent);
}
.notice.bad { background: color-mix(in srgb, var(--slotwise-error) 14%, transparent); color: var(--slotwise-error); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 14px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.open { font: 600 15px/1.45 var(--slotwise-font); padding: 10px 16px; }
dialog { width: min(760px, calc(100vw - 32px)); padding: 0; border: 0; background: transparent; }
dialog::backdrop { background: rgb(0 0 0 / 0.55); }
.close { float: right; }
`;

/** Attach the styles; adopted sheets also work under a page's strict style-src CSP. */
function adoptStyles(root) {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
    return;
  }
  const style = document.createElement("style");
  style.textContent = STYLES;
  root.append(style);
}
