"""Tax rates an organization charges on its prices."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField

from .base import BaseModel, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class Tax(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("tax"))
    organization = ForeignKeyField(Organization, backref="taxes", on_delete="CASCADE")
    name = CharField(max_length=100)
    # Parts per million, which are ten-thousandths of a percent: 7.7 % is 77000. An integer,
    # so rates compare and compute exactly.
    rate_ppm = IntegerField()
    # Whether prices already contain the tax (extracted) or it comes on top (added).
    inclusive = BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
