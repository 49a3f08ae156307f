"""Billing records: taxes, prices, invoices, payments and refunds (no card processing).

``money`` does the arithmetic (integer minor units, tax per line rounded half-up),
``taxes`` keeps the rates, ``invoices`` writes and numbers invoices (one per booking of a
priced event type, in the booking's transaction), ``payments`` records payments and
refunds, and ``pdf`` draws an invoice.
"""
