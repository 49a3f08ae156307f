// Calls to the Slotwise server the script was loaded from, with the widget key.

// Only set while the script first runs (even with `async`), so it is read here, at load.
const SCRIPT_URL =
  (document.currentScript && document.currentScript.src) ||
  (document.querySelector('script[src*="/widget/v1/slotwise.js"]') || {}).src ||
  location.href;
const API_BASE = new URL(SCRIPT_URL).origin;

/** A failed call: `status` 0 and `code` "network_error" when no answer came. */
class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

function createApi(widgetKey) {
  async function call(method, path, { query, body, idempotencyKey } = {}) {
    const url = new URL(path, API_BASE);
    for (const [name, value] of Object.entries(query || {})) url.searchParams.set(name, value);
    const headers = { Accept: "application/json", "X-Widget-Key": widgetKey };
    if (body) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body && JSON.stringify(body),
        credentials: "omit",
      });
    } catch (error) {
      throw new ApiError(0, "network_error", error.message);
    }
    const data = await response.json().catch(() => null);
    if (response.ok && data) return data;
    throw new ApiError(
      response.status,
      (data && data.code) || `http_${response.status}`,
      (data && data.error) || response.statusText,
      data && data.details,
    );
  }

  const slug = (value) => encodeURIComponent(value);
  return {
    eventType: (eventType) => call("GET", `/api/public/event-types/${slug(eventType)}`),
    availability: (eventType, query) =>
      call("GET", `/api/public/availability/${slug(eventType)}`, { query }),
    book: (body, idempotencyKey) => call("POST", "/api/bookings", { body, idempotencyKey }),
    reschedule: (bookingId, token, body, idempotencyKey) =>
      call("POST", `/api/bookings/${slug(bookingId)}/reschedule`, {
        query: { token },
        body,
        idempotencyKey,
      }),
  };
}

/** A random v4 UUID, also on plain-http pages where crypto.randomUUID is missing. */
function uuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}
