// The widget's words in each language, and dates and times through Intl in its locale.

const MESSAGES = {
  en: {
    loading: "Loading…",
    minutes: "{n} min",
    video: "Video call",
    phone: "Phone call",
    in_person: "In person",
    timezone: "Time zone",
    previous: "Previous month",
    next: "Next month",
    noTimes: "No free times in {month}.",
    showMonth: "Show {month}",
    noTimesAhead: "No free times in the coming months.",
    timesOn: "Times on {date}",
    timesCount: "{n} free times on {date}.",
    seats: "{n} seats left",
    back: "Back",
    name: "Your name",
    email: "E-mail",
    notes: "Notes",
    optional: "(optional)",
    choose: "Choose…",
    book: "Book",
    sending: "Sending…",
    reschedule: "Move my booking",
    reason: "Reason",
    moveTo: "Move your booking to this time?",
    booked: "You are booked",
    pending: "Request sent: the host will confirm it",
    moved: "Your booking has moved",
    addToCalendar: "Add to calendar",
    manage: "Change or cancel",
    open: "Book a time",
    close: "Close",
    retry: "Try again",
    taken: "Sorry, someone has just taken that time. Please choose another one.",
    gone: "That time is no longer free. Please choose another one.",
    slow: "Too many attempts. Please wait a minute and try again.",
    offline: "The booking service could not be reached. Check your connection and try again.",
    invalid: "Please check the marked fields.",
    badKey: "This booking calendar is not set up correctly yet. Site owner: the widget key is unknown or was revoked.",
    badOrigin: "This booking calendar cannot be shown on this website. Site owner: add {origin} to the widget key's allowed websites.",
    notFound: "This appointment cannot be booked at the moment.",
    failed: "Something went wrong. Please try again.",
  },
  de: {
    loading: "Wird geladen…",
    minutes: "{n} Min.",
    video: "Videoanruf",
    phone: "Telefonat",
    in_person: "Vor Ort",
    timezone: "Zeitzone",
    previous: "Voriger Monat",
    next: "Nächster Monat",
    noTimes: "Keine freien Termine im {month}.",
    showMonth: "{month} zeigen",
    noTimesAhead: "In den nächsten Monaten sind keine Termine frei.",
    timesOn: "Termine am {date}",
    timesCount: "{n} freie Termine am {date}.",
    seats: "Noch {n} Plätze",
    back: "Zurück",
    name: "Ihr Name",
    email: "E-Mail",
    notes: "Anmerkungen",
    optional: "(optional)",
    choose: "Bitte wählen…",
    book: "Buchen",
    sending: "Wird gesendet…",
    reschedule: "Termin verschieben",
    reason: "Grund",
    moveTo: "Ihren Termin auf diese Zeit verschieben?",
    booked: "Ihr Termin ist gebucht",
    pending: "Anfrage gesendet: der Gastgeber bestätigt sie",
    moved: "Ihr Termin wurde verschoben",
    addToCalendar: "Zum Kalender hinzufügen",
    manage: "Ändern oder absagen",
    open: "Termin buchen",
    close: "Schließen",
    retry: "Erneut versuchen",
    taken: "Diese Zeit wurde gerade vergeben. Bitte wählen Sie eine andere.",
    gone: "Diese Zeit ist nicht mehr frei. Bitte wählen Sie eine andere.",
    slow: "Zu viele Versuche. Bitte warten Sie eine Minute.",
    offline: "Der Buchungsdienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    invalid: "Bitte prüfen Sie die markierten Felder.",
    badKey: "Dieser Buchungskalender ist noch nicht richtig eingerichtet. Für den Betreiber: der Widget-Schlüssel ist unbekannt oder widerrufen.",
    badOrigin: "Dieser Buchungskalender kann auf dieser Website nicht angezeigt werden. Für den Betreiber: {origin} zu den erlaubten Websites des Widget-Schlüssels hinzufügen.",
    notFound: "Dieser Termin kann zurzeit nicht gebucht werden.",
    failed: "Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.",
  },
  fr: {
    loading: "Chargement…",
    minutes: "{n} min",
    video: "Visioconférence",
    phone: "Appel téléphonique",
    in_person: "En personne",
    timezone: "Fuseau horaire",
    previous: "Mois précédent",
    next: "Mois suivant",
    noTimes: "Aucun créneau libre en {month}.",
    showMonth: "Voir {month}",
    noTimesAhead: "Aucun créneau libre dans les prochains mois.",
    timesOn: "Créneaux du {date}",
    timesCount: "{n} créneaux libres le {date}.",
    seats: "{n} places restantes",
    back: "Retour",
    name: "Votre nom",
    email: "E-mail",
    notes: "Remarques",
    optional: "(facultatif)",
    choose: "Choisir…",
    book: "Réserver",
    sending: "Envoi…",
    reschedule: "Déplacer ma réservation",
    reason: "Motif",
    moveTo: "Déplacer votre réservation à cette heure ?",
    booked: "Votre réservation est confirmée",
    pending: "Demande envoyée : l'hôte va la confirmer",
    moved: "Votre réservation a été déplacée",
    addToCalendar: "Ajouter au calendrier",
    manage: "Modifier ou annuler",
    open: "Réserver un créneau",
    close: "Fermer",
    retry: "Réessayer",
    taken: "Désolé, ce créneau vient d'être pris. Veuillez en choisir un autre.",
    gone: "Ce créneau n'est plus libre. Veuillez en choisir un autre.",
    slow: "Trop de tentatives. Veuillez patienter une minute.",
    offline: "Le service de réservation est injoignable. Vérifiez votre connexion et réessayez.",
    invalid: "Veuillez vérifier les champs signalés.",
    badKey: "Ce calendrier de réservation n'est pas encore configuré. Propriétaire du site : la clé du widget est inconnue ou révoquée.",
    badOrigin: "Ce calendrier de réservation ne peut pas être affiché sur ce site. Propriétaire du site : ajoutez {origin} aux sites autorisés de la clé du widget.",
    notFound: "Ce rendez-vous ne peut pas être réservé pour le moment.",
    failed: "Une erreur est survenue. Veuillez réessayer.",
  },
  es: {
    loading: "Cargando…",
    minutes: "{n} min",
    video: "Videollamada",
    phone: "Llamada",
    in_person: "En persona",
    timezone: "Zona horaria",
    previous: "Mes anterior",
    next: "Mes siguiente",
    noTimes: "No hay horarios libres en {month}.",
    showMonth: "Ver {month}",
    noTimesAhead: "No hay horarios libres en los próximos meses.",
    timesOn: "Horarios del {date}",
    timesCount: "{n} horarios libres el {date}.",
    seats: "Quedan {n} plazas",
    back: "Volver",
    name: "Su nombre",
    email: "Correo electrónico",
    notes: "Notas",
    optional: "(opcional)",
    choose: "Elegir…",
    book: "Reservar",
    sending: "Enviando…",
    reschedule: "Cambiar mi reserva",
    reason: "Motivo",
    moveTo: "¿Mover su reserva a esta hora?",
    booked: "Su reserva está hecha",
    pending: "Solicitud enviada: el anfitrión la confirmará",
    moved: "Su reserva se ha movido",
    addToCalendar: "Añadir al calendario",
    manage: "Cambiar o cancelar",
    open: "Reservar una hora",
    close: "Cerrar",
    retry: "Reintentar",
    taken: "Lo sentimos, alguien acaba de reservar esa hora. Elija otra.",
    gone: "Esa hora ya no está libre. Elija otra.",
    slow: "Demasiados intentos. Espere un minuto y vuelva a intentarlo.",
    offline: "No se pudo conectar con el servicio de reservas. Compruebe su conexión y vuelva a intentarlo.",
    invalid: "Revise los campos marcados.",
    badKey: "Este calendario de reservas aún no está bien configurado. Propietario del sitio: la clave del widget es desconocida o fue revocada.",
    badOrigin: "Este calendario de reservas no se puede mostrar en este sitio. Propietario del sitio: añada {origin} a los sitios permitidos de la clave del widget.",
    notFound: "Esta cita no se puede reservar en este momento.",
    failed: "Algo salió mal. Vuelva a intentarlo.",
  },
};

/** A valid BCP 47 tag for Intl: the one asked for, else the browser's, else English. */
function pickLocale(asked) {
  for (const tag of [asked, navigator.language]) {
    try {
      if (tag) return Intl.getCanonicalLocales(tag)[0];
    } catch (_) {
      // An invalid tag: try the next one.
    }
  }
  return "en";
}

/** t(key, {name: value}) in the locale's language, English for anything missing. */
function translator(locale) {
  const table = MESSAGES[locale.split("-")[0].toLowerCase()] || MESSAGES.en;
  return (key, values = {}) =>
    (table[key] || MESSAGES.en[key]).replace(/\{(\w+)\}/g, (_, name) => values[name]);
}

function formatDate(locale, date, options) {
  const [year, month, day] = date.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" }).format(
    Date.UTC(year, month - 1, day || 1),
  );
}

const monthName = (locale, month) => formatDate(locale, month, { month: "long", year: "numeric" });
const dayName = (locale, date) =>
  formatDate(locale, date, { weekday: "long", day: "numeric", month: "long" });

/** Short weekday names, Monday first. */
function weekdayNames(locale) {
  // 2024-01-01 was a Monday.
  return [1, 2, 3, 4, 5, 6, 7].map((day) =>
    formatDate(locale, `2024-01-0${day}`, { weekday: "short" }),
  );
}

function formatTime(locale, instant, zone) {
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone: zone })
    .format(new Date(instant));
}

function formatWhen(locale, instant, zone) {
  return new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", timeZone: zone })
    .format(new Date(instant));
}
