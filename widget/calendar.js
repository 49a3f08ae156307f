// Calendar arithmetic on plain "YYYY-MM-DD" dates and "YYYY-MM" months, and the .ics file.

// How far past the shown month to look for free times when it has none.
const MONTHS_AHEAD = 3;

const pad = (number) => String(number).padStart(2, "0");

/** Today's date in a time zone. */
function todayIn(zone) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  for (const part of format.formatToParts(new Date())) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function addMonths(month, count) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number - 1 + count, 1)).toISOString().slice(0, 7);
}

function daysIn(month) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number, 0)).getUTCDate();
}

/** The month's dates as weeks of seven, Monday first; null pads the first and last week. */
function monthWeeks(month) {
  const [year, number] = month.split("-").map(Number);
  const cells = Array((new Date(Date.UTC(year, number - 1, 1)).getUTCDay() + 6) % 7).fill(null);
  for (let day = 1; day <= daysIn(month); day += 1) cells.push(`${month}-${pad(day)}`);
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let start = 0; start < cells.length; start += 7) weeks.push(cells.slice(start, start + 7));
  return weeks;
}

/** The dates to ask availability for: the month, from today on. */
function monthRange(month, today) {
  const first = `${month}-01`;
  return {
    startDate: first < today ? today : first,
    endDate: `${month}-${pad(daysIn(month))}`,
  };
}

/** Slots by their date in the zone asked for (their start carries that zone's offset). */
function slotsByDay(slots) {
  const days = new Map();
  for (const slot of slots) {
    const day = slot.start.slice(0, 10);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(slot);
  }
  return days;
}

const icsTime = (instant) =>
  new Date(instant).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
const icsText = (text) => String(text).replace(/[\\;,]/g, "\\$&").replace(/\r?\n/g, "\\n");

/** Fold a content line at 75 octets, as RFC 5545 asks. */
function icsFold(line) {
  const encoder = new TextEncoder();
  let folded = "";
  let octets = 0;
  for (const character of line) {
    const size = encoder.encode(character).length;
    if (octets + size > 75) {
      folded += "\r\n ";
      octets = 1;
    }
    folded += character;
    octets += size;
  }
  return folded;
}

/** An iCalendar file with the booking as its one event. */
function bookingIcs(booking, title, host) {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Slotwise//Booking widget//EN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${booking.id}@${host}`,
    `DTSTAMP:${icsTime(Date.now())}`,
    `DTSTART:${icsTime(booking.startTime)}`,
    `DTEND:${icsTime(booking.endTime)}`,
    `SUMMARY:${icsText(title)}`,
  ];
  if (booking.manageUrl) lines.push(`URL:${booking.manageUrl}`);
  lines.push("END:VEVENT", "END:VCALENDAR");
  return `${lines.map(icsFold).join("\r\n")}\r\n`;
}
