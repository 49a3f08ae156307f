"""Invoice PDFs: a real PDF whose text carries the number, the lines and the totals, with
amounts in each currency's decimal places; errors stay JSON."""

import io

import pytest
from pypdf import PdfReader

from billing_support import create_invoice, create_tax, line, open_invoice, pay, refund
from conftest import bearer
from models import Invoice, db
from services.billing import pdf


def download(client, key, invoice_id):
    return client.get(f"/api/v1/invoices/{invoice_id}/pdf", headers=bearer(key))


def text_of(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """The text with runs of white space as one space, as extraction may split lines."""
    return " ".join(text.split())


def test_an_invoice_downloads_as_a_pdf_with_its_number_lines_and_totals(client, tenant):
    vat = create_tax(client, tenant.key, name="VAT", ratePercent=19, inclusive=True).json()
    sales = create_tax(client, tenant.key, name="Sales", ratePercent=8.875, inclusive=False).json()
    invoice = open_invoice(
        client,
        tenant.key,
        customer={"name": "Grace Hopper", "email": "grace@navy.example"},
        lines=[
            line("Intro call", 5000, tax_id=vat["id"]),
            line("Workshop materials", 1250, quantity=3, tax_id=sales["id"]),
            line("Parking", 250),
        ],
        memo="Thank you for your business.",
    )
    pay(client, tenant.key, invoice["id"], 2000)

    response = download(client, tenant.key, invoice["id"])

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="INV-000001.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = squeezed(text_of(response.content))
    for expected in [
        "Acme",
        "Invoice INV-000001",
        "Status: open",
        "Grace Hopper",
        "grace@navy.example",
        "Intro call",
        "50.00 EUR",
        "VAT 19% incl.",
        "Workshop materials",
        "12.50 EUR",
        "37.50 EUR",
        "Sales 8.875% excl.",
        "Parking",
        "2.50 EUR",
        # 5000 + 3750 + 250; tax 798 + 333; total adds the exclusive 333
        "Subtotal 90.00 EUR",
        "Tax 11.31 EUR",
        "Total 93.33 EUR",
        "Paid 20.00 EUR",
        "Amount due 73.33 EUR",
        "Thank you for your business.",
    ]:
        assert expected in text, expected
    assert "Refunded" not in text


@pytest.mark.parametrize(
    ("currency", "unit_amount", "shown"),
    [("JPY", 15000, "15,000 JPY"), ("KWD", 12345, "12.345 KWD"), ("USD", 1999, "19.99 USD")],
)
def test_amounts_are_printed_with_the_currencys_decimal_places(
    client, tenant, currency, unit_amount, shown
):
    invoice = open_invoice(
        client, tenant.key, currency=currency, lines=[line("Consultation", unit_amount)]
    )

    text = squeezed(text_of(download(client, tenant.key, invoice["id"]).content))

    assert f"Total {shown}" in text
    assert f"Amount due {shown}" in text


def test_drafts_void_and_refunded_invoices_say_so(client, tenant):
    draft = create_invoice(client, tenant.key).json()
    voided = open_invoice(client, tenant.key)
    client.post(f"/api/v1/invoices/{voided['id']}/void", headers=bearer(tenant.key))
    refunded = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, refunded["id"], 10_000).json()
    refund(client, tenant.key, payment["id"], amount=2500)

    texts = {
        name: squeezed(text_of(download(client, tenant.key, invoice["id"]).content))
        for name, invoice in [("draft", draft), ("void", voided), ("refunded", refunded)]
    }

    assert "Draft invoice (no number yet)" in texts["draft"]
    assert "Void invoice INV-000001" in texts["void"]
    assert "Voided:" in texts["void"]
    assert "Invoice INV-000002" in texts["refunded"]
    assert "Status: paid" in texts["refunded"]
    assert "Refunded 25.00 EUR" in texts["refunded"]
    assert "Amount due 0.00 EUR" in texts["refunded"]


def test_many_lines_flow_onto_more_pages(client, tenant):
    lines = [line(f"Session {n}", 1000) for n in range(50)]
    invoice = open_invoice(client, tenant.key, lines=lines)

    reader = PdfReader(io.BytesIO(download(client, tenant.key, invoice["id"]).content))

    assert len(reader.pages) >= 2
    text = squeezed(text_of(download(client, tenant.key, invoice["id"]).content))
    assert "Session 49" in text
    assert "Total 500.00 EUR" in text


def test_names_in_any_script_print_with_a_unicode_font(client, tenant):
    if pdf.unicode_font() is None:
        pytest.skip("no DejaVu fonts on this machine (Debian: fonts-dejavu-core)")
    invoice = open_invoice(
        client, tenant.key, customer={"name": "Łukasz Żółw"}, lines=[line("Сессия")]
    )

    text = squeezed(text_of(download(client, tenant.key, invoice["id"]).content))

    assert "Łukasz Żółw" in text
    assert "Сессия" in text


def test_without_a_unicode_font_other_characters_print_as_question_marks(
    client, tenant, monkeypatch
):
    monkeypatch.setattr(pdf, "FONT_DIRECTORIES", ())
    invoice = open_invoice(client, tenant.key, customer={"name": "Zoë Łukasz"})

    text = squeezed(text_of(download(client, tenant.key, invoice["id"]).content))

    assert "Zoë ?ukasz" in text


def test_a_missing_invoice_is_a_json_404(client, tenant):
    response = download(client, tenant.key, "inv_unknown")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "No invoice with id 'inv_unknown'.",
        "code": "not_found",
        "details": {"id": "inv_unknown"},
    }


def test_the_pdf_is_drawn_by_the_service_without_http(tenant, client):
    invoice_id = open_invoice(client, tenant.key)["id"]

    with db.connection_context():
        document = pdf.render(Invoice.get_by_id(invoice_id))

    assert "Total 100.00 EUR" in squeezed(text_of(document))
