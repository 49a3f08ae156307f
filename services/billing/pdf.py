"""An invoice drawn as a one-document PDF with fpdf2: header, customer, lines, totals."""

from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos

from models import Invoice, Organization

from .money import format_amount, format_percent

# A Unicode font where the system has one (Debian: fonts-dejavu-core), for names in any
# script; without it, the PDF's built-in Helvetica shows Latin-1 and "?" for the rest.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
TITLES = {"draft": "Draft invoice", "open": "Invoice", "paid": "Invoice", "void": "Void invoice"}
LINE_COLUMNS = ("Description", "Qty", "Unit price", "Tax", "Amount")
LINE_WIDTHS = (74, 12, 32, 38, 34)


def unicode_font() -> tuple[Path, Path] | None:
    """The regular and bold DejaVu Sans files, if installed."""
    for directory in FONT_DIRECTORIES:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Document(FPDF):
    def __init__(self, fonts: tuple[Path, Path] | None):
        super().__init__(format="A4")
        self.unicode = fonts is not None
        if fonts is not None:
            self.add_font("body", "", fonts[0])
            self.add_font("body", "B", fonts[1])
            self.family_name = "body"
        else:
            self.family_name = "helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.set_creator("Slotwise")

    def text_of(self, value: str) -> str:
        """The text as this document's font can show it."""
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def style(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def line_of_text(self, text: str, *, size: float = 10, bold: bool = False, align="L"):
        self.style(size, bold)
        self.cell(0, size * 0.55, self.text_of(text), align=align)
        self.ln(size * 0.55)

    def footer(self):
        self.set_y(-12)
        self.style(8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")


def _date(moment, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")


def _tax_label(line: dict) -> str:
    if line["tax_rate_ppm"] is None:
        return "-"
    kind = "incl." if line["tax_inclusive"] else "excl."
    return f"{line['tax_name']} {format_percent(line['tax_rate_ppm'])} {kind}"


def render(invoice: Invoice, *, fonts: tuple[Path, Path] | None = None) -> bytes:
    """The invoice as PDF bytes; ``fonts`` defaults to the system's Unicode font, if any."""
    organization = Organization.get_by_id(invoice.organization_id)
    pdf = _Document(fonts if fonts is not None else unicode_font())
    number = invoice.number or "(no number yet)"
    pdf.set_title(pdf.text_of(f"{TITLES[invoice.status]} {number}"))
    pdf.set_author(pdf.text_of(organization.name))
    pdf.add_page()

    def money(amount: int) -> str:
        return format_amount(amount, invoice.currency)

    pdf.line_of_text(organization.name, size=16, bold=True)
    pdf.ln(2)
    pdf.line_of_text(f"{TITLES[invoice.status]} {number}", size=13, bold=True)
    pdf.line_of_text(f"Status: {invoice.status}")
    for label, moment in (
        ("Issued", invoice.issued_at),
        ("Paid", invoice.paid_at),
        ("Voided", invoice.voided_at),
    ):
        if moment is not None:
            pdf.line_of_text(f"{label}: {_date(moment, organization.timezone)}")
    pdf.ln(4)
    pdf.line_of_text("Bill to", bold=True)
    pdf.line_of_text(invoice.customer_name)
    if invoice.customer_email:
        pdf.line_of_text(invoice.customer_email)
    pdf.ln(4)

    pdf.style(9)
    with pdf.table(
        col_widths=LINE_WIDTHS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        cell_fill_color=245,
        cell_fill_mode=TableCellFillMode.ROWS,
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row(LINE_COLUMNS)
        for line in invoice.lines:
            table.row(
                (
                    pdf.text_of(line["description"]),
                    str(line["quantity"]),
                    money(line["unit_amount"]),
                    pdf.text_of(_tax_label(line)),
                    money(line["amount"]),
                )
            )
    pdf.ln(4)

    totals = [
        ("Subtotal", invoice.subtotal),
        ("Tax", invoice.tax_total),
        ("Total", invoice.total),
        ("Paid", invoice.amount_paid),
    ]
    if invoice.amount_refunded:
        totals.append(("Refunded", invoice.amount_refunded))
    totals.append(("Amount due", invoice.amount_due))
    for label, amount in totals:
        pdf.style(10, bold=label in ("Total", "Amount due"))
        pdf.cell(150, 6, label, align="R")
        pdf.cell(40, 6, money(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if invoice.memo:
        pdf.ln(4)
        pdf.style(9)
        pdf.multi_cell(0, 5, pdf.text_of(invoice.memo))
    return bytes(pdf.output())
