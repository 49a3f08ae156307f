// Once the widget has moved the booking, show the page again: it then names the new time.
"use strict";

for (const widget of document.querySelectorAll("slotwise-booking[reschedule-booking]")) {
  widget.addEventListener("slotwise:booked", () => window.location.reload());
}
