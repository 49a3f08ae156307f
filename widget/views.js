// What each step shows, built as DOM nodes from the widget's state. Server and visitor
// text only ever becomes text nodes; `data-focus` keys let focus survive a re-render.

/** An element with attributes, `on…` listeners and children; strings become text nodes. */
function h(tag, props, ...children) {
  const element = document.createElement(tag);
  element.append(...children.flat(Infinity).filter((child) => child != null && child !== false));
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  return element;
}

const byKey = (key) => `[data-focus="${key}"]`;
const button = (props, ...children) => h("button", { type: "button", ...props }, ...children);

let knownZones;
function zoneChoices(current) {
  knownZones = knownZones || (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []);
  return [...new Set([...knownZones, current, "UTC"])].sort();
}

function httpUrl(address) {
  try {
    const url = new URL(address);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (_) {
    return null;
  }
}

function whenLine(widget, instant) {
  const { zone } = widget._state;
  return h(
    "p",
    null,
    h("strong", null, formatWhen(widget._locale, instant, zone)),
    h("span", { class: "muted" }, ` (${zone})`),
  );
}

function noticeLine({ notice }) {
  return notice && h("p", { class: notice.bad ? "notice bad" : "notice" }, notice.message);
}

function headerView(widget, t) {
  const { eventType, step } = widget._state;
  const dialog = widget._dialog;
  const close =
    dialog && button({ class: "close", "aria-label": t("close"), onclick: () => dialog.close() }, "×");
  // Pages that show the event type themselves (the hosted booking page) hide it here.
  if (!eventType || step === "problem" || widget.hasAttribute("hide-header")) return [close];
  const facts = [t("minutes", { n: eventType.durationMinutes })];
  if (MESSAGES.en[eventType.locationType]) facts.push(t(eventType.locationType));
  return [
    close,
    h("h2", { id: "sw-title" }, eventType.title),
    h("p", { class: "muted" }, facts.join(" · ")),
    eventType.description && h("p", { class: "desc" }, eventType.description),
  ];
}

function problemView(widget, t) {
  const { problem } = widget._state;
  const retry = { class: "primary", "data-focus": "reload", onclick: () => widget.refresh() };
  return [h("p", { class: "notice bad" }, problem.message), problem.retry && button(retry, t("retry"))];
}

function monthGrid(widget, days, bookable) {
  const { day: chosen, month } = widget._state;
  const locale = widget._locale;
  const current = bookable.includes(chosen) ? chosen : bookable[0];
  const cell = (date) => {
    if (!date) return h("div", { role: "gridcell" });
    const number = String(Number(date.slice(8)));
    if (!days.has(date)) {
      return h("div", { role: "gridcell", "aria-disabled": "true" }, h("span", { class: "off" }, number));
    }
    const pick = button(
      {
        class: "day",
        "data-focus": `day-${date}`,
        "data-date": date,
        tabindex: date === current ? "0" : "-1",
        "aria-label": dayName(locale, date),
        onclick: () => widget._pickDay(date),
      },
      number,
    );
    return h("div", { role: "gridcell", "aria-selected": String(date === chosen) }, pick);
  };
  const headings = weekdayNames(locale).map((name) => h("div", { role: "columnheader" }, name));
  return h(
    "div",
    {
      class: "grid",
      role: "grid",
      "aria-labelledby": "sw-month",
      onkeydown: (event) => widget._gridKey(event, bookable),
    },
    h("div", { role: "row" }, headings),
    monthWeeks(month).map((week) => h("div", { role: "row" }, week.map(cell))),
  );
}

function emptyMonth(widget, t, bookable) {
  const { loadingMonth, month, next } = widget._state;
  if (loadingMonth) return h("p", { class: "muted" }, t("loading"));
  if (bookable.length) return null;
  const locale = widget._locale;
  const box = h("div", { class: "notice" }, h("p", null, t("noTimes", { month: monthName(locale, month) })));
  if (next) {
    const go = { class: "primary", "data-focus": "later", onclick: () => widget._goMonth(next) };
    box.append(button(go, t("showMonth", { month: monthName(locale, next) })));
  } else if (next === "") box.append(h("p", null, t("noTimesAhead")));
  return box;
}

function timesList(widget, t, slots) {
  const { day, zone, eventType } = widget._state;
  if (!slots.length) return [];
  const locale = widget._locale;
  const seats = (slot) => eventType.seatsPerSlot > 1 && ` · ${t("seats", { n: slot.seatsAvailable })}`;
  const item = (slot, index) =>
    h(
      "li",
      null,
      button(
        { "data-focus": `slot-${index}`, "data-start": slot.start, onclick: () => widget._pickSlot(slot) },
        formatTime(locale, slot.start, zone),
        seats(slot),
      ),
    );
  return [
    h("h3", { id: "sw-times" }, t("timesOn", { date: dayName(locale, day) })),
    h("ul", { class: "slots", "aria-labelledby": "sw-times" }, slots.map(item)),
  ];
}

function calendarView(widget, t) {
  const state = widget._state;
  const days = state.loadingMonth ? new Map() : state.days;
  const bookable = [...days.keys()].filter((date) => date.startsWith(state.month)).sort();
  const first = state.month <= todayIn(state.zone).slice(0, 7);
  const zones = zoneChoices(state.zone).map((zone) => h("option", { value: zone }, zone.replace(/_/g, " ")));
  const go = (months) => () => widget._goMonth(addMonths(state.month, months));
  return [
    noticeLine(state),
    h("label", { for: "sw-zone" }, t("timezone")),
    h(
      "select",
      {
        id: "sw-zone",
        "data-focus": "zone",
        value: state.zone,
        onchange: (event) => widget._setZone(event.target.value),
      },
      zones,
    ),
    h(
      "div",
      { class: "cols" },
      h(
        "div",
        null,
        h(
          "div",
          { class: "nav" },
          button({ "data-focus": "previous", "aria-label": t("previous"), disabled: first, onclick: go(-1) }, "‹"),
          h("h3", { id: "sw-month" }, monthName(widget._locale, state.month)),
          button({ "data-focus": "next", "aria-label": t("next"), onclick: go(1) }, "›"),
        ),
        monthGrid(widget, days, bookable),
        emptyMonth(widget, t, bookable),
      ),
      h("div", null, timesList(widget, t, days.get(state.day) || [])),
    ),
  ];
}

function formView(widget, t) {
  const state = widget._state;
  const { values, fieldErrors } = state;
  const field = (name, label, required, tag, attributes, options) => {
    const error = fieldErrors[name];
    const id = `sw-${name.replace(".", "-")}`;
    const control = h(
      tag,
      {
        ...attributes,
        id,
        name,
        required,
        value: values[name] || "",
        "data-focus": name,
        "aria-invalid": error ? "true" : null,
        "aria-describedby": error ? `${id}-error` : null,
        oninput: (event) => {
          values[name] = event.target.value;
        },
      },
      options,
    );
    const optional = !required && h("span", { class: "muted" }, ` ${t("optional")}`);
    return [
      h("label", { for: id }, label, optional),
      control,
      error && h("p", { class: "error", id: `${id}-error` }, error),
    ];
  };
  const question = ({ id, label, type, required, options }) => {
    const name = `answers.${id}`;
    if (type === "select") {
      const choices = (options || []).map((option) => h("option", { value: option }, option));
      return field(name, label, required, "select", {}, [h("option", { value: "" }, t("choose")), choices]);
    }
    if (type === "textarea") return field(name, label, required, "textarea", { maxlength: 2000 });
    const kind = type === "phone" ? { type: "tel", autocomplete: "tel" } : { type: "text" };
    return field(name, label, required, "input", { maxlength: 2000, ...kind });
  };
  const fields = widget._rescheduling
    ? [h("p", null, t("moveTo")), field("reason", t("reason"), false, "textarea", { maxlength: 1000 })]
    : [
        field("inviteeName", t("name"), true, "input", { autocomplete: "name", maxlength: 200 }),
        field("inviteeEmail", t("email"), true, "input", {
          type: "email",
          autocomplete: "email",
          maxlength: 254,
        }),
        (state.eventType.questions || []).map(question),
        field("notes", t("notes"), false, "textarea", { maxlength: 5000 }),
      ];
  // aria-disabled rather than disabled while sending: the button keeps the focus.
  const submit = h(
    "button",
    { type: "submit", class: "primary", "data-focus": "submit", "aria-disabled": state.busy && "true" },
    state.busy ? t("sending") : t(widget._rescheduling ? "reschedule" : "book"),
  );
  const retry = state.retry && button({ "data-focus": "retry", onclick: () => widget._submit() }, t("retry"));
  const onsubmit = (event) => {
    event.preventDefault();
    widget._submit();
  };
  return [
    button({ "data-focus": "back", onclick: () => widget._backToTimes() }, `‹ ${t("back")}`),
    whenLine(widget, state.slot.start),
    h(
      "form",
      { onsubmit, "aria-labelledby": "sw-title" },
      fields,
      noticeLine(state),
      h("div", { class: "actions" }, submit, retry),
    ),
  ];
}

function doneView(widget, t) {
  const { booking, icsUrl } = widget._state;
  const manage = httpUrl(booking.manageUrl);
  let heading = booking.status === "PENDING" ? t("pending") : t("booked");
  if (widget._rescheduling) heading = t("moved");
  return [
    h("h3", { id: "sw-done", tabindex: "-1" }, heading),
    whenLine(widget, booking.startTime),
    h(
      "div",
      { class: "actions" },
      h("a", { class: "button primary", href: icsUrl, download: "booking.ics" }, t("addToCalendar")),
      manage && h("a", { class: "button", href: manage, target: "_blank", rel: "noopener" }, t("manage")),
    ),
  ];
}

const VIEWS = {
  loading: (widget, t) => [h("p", { class: "muted" }, t("loading"))],
  problem: problemView,
  calendar: calendarView,
  form: formView,
  done: doneView,
};
