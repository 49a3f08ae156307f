// The snippet generator of /docs/widget: the form's values, escaped, in a live embed snippet.
"use strict";

(() => {
  const form = document.getElementById("snippet-form");
  const output = document.getElementById("snippet-output");
  const copyButton = document.getElementById("snippet-copy");
  const status = document.getElementById("snippet-status");
  if (!form || !output) return;

  const field = (name) => form.elements.namedItem(name);
  const server = field("server");

  /** Text safe inside a double-quoted HTML attribute. */
  const escapeAttribute = (value) =>
    value
      .replace(/&/g, "&amp;")
      .replace(/"/g, "&quot;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");

  /** The server's origin: the widget calls the origin its script came from, nothing else. */
  function serverOrigin() {
    try {
      const url = new URL(server.value.trim());
      if (url.protocol === "http:" || url.protocol === "https:") {
        server.setCustomValidity("");
        return url.origin;
      }
    } catch {
      // Not a URL yet: the visitor is still typing.
    }
    server.setCustomValidity("An http:// or https:// address, like https://book.example.com");
    return null;
  }

  function snippet() {
    const origin = serverOrigin() || window.location.origin;
    const attributes = [
      ["widget-key", field("widget-key").value.trim() || "sw_pub_…"],
      ["event-type", field("event-type").value.trim() || "intro"],
      ["theme", field("theme").value],
      ["locale", field("locale").value],
      ["mode", field("mode").value],
    ]
      .filter(([, value]) => value !== "")
      .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
      .join("");
    return (
      `<script src="${escapeAttribute(origin)}/widget/v1/slotwise.js" async></script>\n` +
      `<slotwise-booking${attributes}></slotwise-booking>`
    );
  }

  function update() {
    // textContent, never innerHTML: the snippet is shown as text, whatever was typed.
    output.textContent = snippet();
    status.textContent = "";
  }

  function selectSnippet() {
    const range = document.createRange();
    range.selectNodeContents(output);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(output.textContent);
      status.textContent = "Copied.";
    } catch {
      // No clipboard access (a plain-http page, or the browser said no): select it instead.
      selectSnippet();
      status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
    }
  }

  // The page's own address is the likeliest server; the server can only guess it behind a proxy.
  if (server.value === server.defaultValue) server.value = window.location.origin;
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  copyButton.addEventListener("click", copy);
  copyButton.hidden = false;
  update();
})();
