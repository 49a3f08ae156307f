// <slotwise-booking>: the element's life cycle, its steps and the events it sends.
// views.js draws each step; this file moves between them and talks to the server.

const EVENT_VERSION = 1;
const TAG = "slotwise-booking";

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const addDays = (date, days) =>
  new Date(Date.parse(date) + days * 86400000).toISOString().slice(0, 10);

function validZone(zone) {
  try {
    return zone && new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  } catch (_) {
    return null;
  }
}

class SlotwiseBooking extends HTMLElement {
  static get observedAttributes() {
    return ["widget-key", "event-type", "timezone", "locale", "mode", "reschedule-booking"];
  }

  constructor() {
    super();
    this._root = this.attachShadow({ mode: "open" });
    adoptStyles(this._root);
    this._generation = 0;
    this._state = { step: "loading", values: {}, fieldErrors: {} };
  }

  connectedCallback() {
    if (!this._shell) this._build();
    if (!this._started) {
      this._started = true;
      this.refresh();
    }
  }

  attributeChangedCallback(name, old, value) {
    if (!this._started || old === value) return;
    if (name === "mode") this._build();
    if (name === "mode" || name === "locale") return this._render();
    if (name === "timezone") this._state.zone = null;
    this.refresh();
  }

  /** Reload the event type and its free times. */
  async refresh() {
    const generation = ++this._generation;
    const state = this._state;
    if (state.icsUrl) URL.revokeObjectURL(state.icsUrl);
    Object.assign(state, { step: "loading", cache: new Map(), notice: null, icsUrl: null });
    this._render();
    this._announce(this._t("loading"));
    this._api = createApi(this.getAttribute("widget-key") || "");
    try {
      state.eventType = await this._api.eventType(this.getAttribute("event-type") || "");
      if (generation !== this._generation) return;
      state.zone = state.zone || validZone(this.getAttribute("timezone")) || browserZone();
      state.month = state.month || todayIn(state.zone).slice(0, 7);
      state.step = "calendar";
      await this._showMonth(state.month, generation);
      if (generation !== this._generation) return;
      this._emit("ready", { eventTypeId: state.eventType.id, slug: state.eventType.slug });
    } catch (error) {
      if (generation === this._generation) this._fail(error);
    }
  }

  get _locale() {
    return pickLocale(this.getAttribute("locale"));
  }

  get _rescheduling() {
    return this.hasAttribute("reschedule-booking");
  }

  _t(key, values) {
    return translator(this._locale)(key, values);
  }

  _emit(name, detail) {
    const init = { bubbles: true, composed: true, detail: { version: EVENT_VERSION, ...detail } };
    this.dispatchEvent(new CustomEvent(`slotwise:${name}`, init));
  }

  _announce(message) {
    if (this._status) this._status.textContent = message;
  }

  _build() {
    if (this._shell) this._shell.remove();
    this._view = h("div");
    this._status = h("div", { class: "sr", role: "status", "aria-live": "polite" });
    const body = h("div", { class: "sw", part: "container" }, this._view, this._status);
    this._opener = this._dialog = null;
    this._shell = body;
    if (this.getAttribute("mode") === "popup") {
      this._dialog = h("dialog", { "aria-labelledby": "sw-title" }, body);
      this._opener = button({ class: "primary open", onclick: () => this.open() });
      this._shell = h("div", null, this._opener, this._dialog);
    }
    this._root.append(this._shell);
  }

  /** In popup mode, open the dialog. */
  open() {
    if (this._dialog && !this._dialog.open) this._dialog.showModal();
  }

  /** Redraw the current step; focus goes where an action asked, else stays on its key. */
  _render() {
    if (!this._view) return;
    const t = translator(this._locale);
    const active = this._root.activeElement;
    const kept = active && active.dataset.focus ? [byKey(active.dataset.focus)] : [];
    const wanted = this._focusNext || kept;
    // While a month loads, its times are not there yet: keep aiming at them.
    if (!this._state.loadingMonth) this._focusNext = null;
    if (this._opener) this._opener.textContent = t("open");
    const nodes = [...headerView(this, t), ...VIEWS[this._state.step](this, t)];
    this._view.replaceChildren(...nodes.filter(Boolean));
    for (const selector of wanted) {
      const target = this._root.querySelector(selector);
      if (target && !target.disabled) {
        this._focusNext = null;
        return target.focus();
      }
    }
  }

  // Steps

  async _showMonth(month, generation = this._generation) {
    const state = this._state;
    Object.assign(state, { month, loadingMonth: true, next: null });
    this._render();
    const slots = await this._monthSlots(month);
    if (generation !== this._generation || state.month !== month) return;
    state.days = slotsByDay(slots);
    state.next = slots.length ? null : await this._laterMonth(month);
    if (generation !== this._generation || state.month !== month) return;
    state.loadingMonth = false;
    this._render();
    const count = (state.days.get(state.day) || []).length;
    const locale = this._locale;
    if (count) this._announce(this._t("timesCount", { n: count, date: dayName(locale, state.day) }));
    else if (!slots.length) this._announce(this._t("noTimes", { month: monthName(locale, month) }));
  }

  /** The free times of a month in the chosen zone, fetched once per zone and month. */
  _monthSlots(month) {
    const { cache, zone } = this._state;
    const key = `${zone} ${month}`;
    if (!cache.has(key)) {
      const today = todayIn(zone);
      const query = { timezone: zone, ...monthRange(month, today) };
      const request =
        month < today.slice(0, 7)
          ? Promise.resolve({ slots: [] })
          : this._api.availability(this.getAttribute("event-type"), query);
      const slots = request.then((answer) => answer.slots);
      cache.set(
        key,
        slots.catch((error) => {
          cache.delete(key);
          throw error;
        }),
      );
    }
    return cache.get(key);
  }

  /** The first of the next few months with free times; "" when none has any. */
  async _laterMonth(month) {
    try {
      for (let ahead = 1; ahead <= MONTHS_AHEAD; ahead += 1) {
        const later = addMonths(month, ahead);
        if ((await this._monthSlots(later)).length) return later;
      }
      return "";
    } catch (_) {
      return null;
    }
  }

  _goMonth(month) {
    const state = this._state;
    Object.assign(state, { day: null, notice: null });
    // The button pressed may disappear or be disabled in the new month.
    this._focusNext = [byKey("previous"), byKey("next")];
    this._showMonth(month).catch((error) => this._fail(error));
  }

  _setZone(zone) {
    Object.assign(this._state, { zone, day: null, notice: null });
    this._focusNext = [byKey("zone")];
    this._showMonth(this._state.month).catch((error) => this._fail(error));
  }

  _gridKey(event, bookable) {
    const date = event.target.dataset.date;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7, Home: -99, End: 99 };
    const move = moves[event.key];
    if (!date || !move) return;
    event.preventDefault();
    const index = bookable.indexOf(date);
    let target;
    if (Math.abs(move) === 99) target = bookable[move > 0 ? bookable.length - 1 : 0];
    else if (Math.abs(move) === 1) target = bookable[index + move];
    else {
      const wanted = addDays(date, move);
      target = move > 0
        ? bookable.find((day) => day >= wanted)
        : bookable.findLast((day) => day <= wanted);
    }
    const next = target && this._root.querySelector(byKey(`day-${target}`));
    if (!next) return;
    for (const day of this._root.querySelectorAll(".day")) day.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  _pickDay(date) {
    this._state.day = date;
    this._state.notice = null;
    this._focusNext = [byKey("slot-0")];
    this._render();
    const count = this._state.days.get(date).length;
    this._announce(this._t("timesCount", { n: count, date: dayName(this._locale, date) }));
  }

  _pickSlot(slot) {
    const state = this._state;
    const values = state.values;
    values.inviteeName = values.inviteeName || this.getAttribute("prefill-name") || "";
    values.inviteeEmail = values.inviteeEmail || this.getAttribute("prefill-email") || "";
    Object.assign(state, { slot, step: "form", notice: null, retry: false, fieldErrors: {} });
    this._focusNext = [byKey(this._rescheduling ? "reason" : "inviteeName")];
    this._render();
    this._announce(formatWhen(this._locale, slot.start, state.zone));
    this._emit("slot-selected", { start: slot.start, end: slot.end });
  }

  _backToTimes() {
    const state = this._state;
    Object.assign(state, { step: "calendar", notice: null });
    this._focusNext = [`[data-start="${CSS.escape(state.slot.start)}"]`, byKey("slot-0")];
    this._render();
  }

  async _submit() {
    const state = this._state;
    const form = this._view.querySelector("form");
    if (state.busy || !form.reportValidity()) return;
    const data = Object.fromEntries(new FormData(form));
    let body = { startTime: state.slot.start };
    if (this._rescheduling) {
      if (data.reason) body.reason = data.reason;
    } else {
      const answers = {};
      for (const [name, value] of Object.entries(data)) {
        if (name.startsWith("answers.") && value) answers[name.slice(8)] = value;
      }
      body = {
        eventTypeId: state.eventType.id,
        inviteeName: data.inviteeName.trim(),
        inviteeEmail: data.inviteeEmail.trim(),
        inviteeTimezone: state.zone,
        ...body,
        ...(data.notes ? { notes: data.notes } : {}),
        answers,
      };
    }
    // One key per attempt, kept while retrying the very same request after a network error.
    const json = JSON.stringify(body);
    if (!state.attempt || state.attempt.json !== json) state.attempt = { json, key: uuid() };
    Object.assign(state, { busy: true, notice: null, retry: false, fieldErrors: {} });
    this._render();
    this._announce(this._t("sending"));
    try {
      const booking = this._rescheduling
        ? await this._api.reschedule(
            this.getAttribute("reschedule-booking"),
            this.getAttribute("manage-token") || "",
            body,
            state.attempt.key,
          )
        : await this._api.book(body, state.attempt.key);
      state.attempt = null;
      state.busy = false;
      this._booked(booking);
    } catch (error) {
      state.busy = false;
      if (error.status) state.attempt = null;
      this._bookingFailed(error);
    }
  }

  _booked(booking) {
    const state = this._state;
    const ics = bookingIcs(booking, state.eventType.title, new URL(API_BASE).hostname);
    Object.assign(state, {
      booking,
      step: "done",
      cache: new Map(),
      icsUrl: URL.createObjectURL(new Blob([ics], { type: "text/calendar" })),
    });
    this._focusNext = ["#sw-done"];
    this._render();
    this._announce(this._view.querySelector("#sw-done").textContent);
    const { id, status, startTime, endTime } = booking;
    this._emit("booked", { id, status, startTime, endTime, rescheduled: this._rescheduling });
  }

  async _bookingFailed(error) {
    const state = this._state;
    const t = translator(this._locale);
    if ([401, 403, 404].includes(error.status)) return this._fail(error);
    this._emitError(error);
    let message = t("failed");
    this._focusNext = [byKey("submit")];
    if (error.code === "slot_taken" || error.code === "slot_unavailable") {
      state.notice = { bad: true, message: t(error.status === 409 ? "taken" : "gone") };
      Object.assign(state, { step: "calendar", slot: null, cache: new Map() });
      this._focusNext = [byKey("slot-0"), ".day[tabindex='0']"];
      this._announce(state.notice.message);
      // Reload the month, so the time just taken is gone from the list.
      return this._showMonth(state.month).catch((failure) => this._fail(failure));
    }
    // Fields the server refused: malformed (400), or answers the event type does not take.
    if (error.status === 400 || error.code === "invalid_answers") {
      message = t("invalid");
      for (const [name, problem] of Object.entries(error.details)) {
        state.fieldErrors[name] = String(problem);
      }
      this._focusNext = ["[aria-invalid='true']", byKey("submit")];
    } else if (error.status === 429) message = t("slow");
    else if (!error.status) {
      message = t("offline");
      state.retry = true;
      this._focusNext = [byKey("retry")];
    }
    state.notice = { bad: true, message };
    this._render();
    this._announce(message);
  }

  _fail(error) {
    const t = translator(this._locale);
    let message = t("failed");
    if (error.code === "origin_not_allowed") message = t("badOrigin", { origin: location.origin });
    else if (error.status === 401 || error.status === 403) message = t("badKey");
    else if (error.status === 404) message = t("notFound");
    else if (error.status === 429) message = t("slow");
    else if (!error.status) message = t("offline");
    const retry = !error.status || error.status === 429 || error.status >= 500;
    Object.assign(this._state, { step: "problem", problem: { message, retry } });
    // Move focus only when it was in the widget: never steal it from the page on load.
    this._focusNext = retry && this._root.activeElement ? [byKey("reload")] : null;
    this._render();
    this._announce(message);
    this._emitError(error);
  }

  _emitError(error) {
    const { code = "error", status = 0, message } = error;
    this._emit("error", { code, status, message });
  }
}

// The script may be on the page twice: a name can be defined only once.
if (!customElements.get(TAG)) customElements.define(TAG, SlotwiseBooking);
