"""Accounts as the API shows them: the caller, the team, API keys."""

from marshmallow import Schema, fields

from .base import Timestamp


class OrganizationRefSchema(Schema):
    id = fields.String()
    name = fields.String()
    slug = fields.String()


class MemberSchema(Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    username = fields.String()
    role = fields.String()
    timezone = fields.String()
    created_at = Timestamp(data_key="createdAt")


class TeamSchema(Schema):
    """Dumps a ``services.organizations.Team``."""

    id = fields.String(attribute="organization.id")
    name = fields.String(attribute="organization.name")
    slug = fields.String(attribute="organization.slug")
    timezone = fields.String(attribute="organization.timezone")
    plan = fields.String(attribute="organization.plan")
    created_at = Timestamp(attribute="organization.created_at", data_key="createdAt")
    members = fields.List(fields.Nested(MemberSchema))


class ApiKeySchema(Schema):
    id = fields.String()
    name = fields.String()
    mode = fields.String()
    last_four = fields.String(data_key="lastFour")
    scopes = fields.List(fields.String(), allow_none=True)
    expires_at = Timestamp(data_key="expiresAt")
    last_used_at = Timestamp(data_key="lastUsedAt")
    revoked_at = Timestamp(data_key="revokedAt")
    created_at = Timestamp(data_key="createdAt")


class KeyRefSchema(Schema):
    id = fields.String()
    name = fields.String()
    mode = fields.String()
    scopes = fields.List(fields.String(), allow_none=True)


class MeSchema(MemberSchema):
    class Meta:
        exclude = ("created_at",)

    plan = fields.String()
    effective_plan = fields.String(data_key="effectivePlan")
    organization = fields.Nested(OrganizationRefSchema)
    api_key = fields.Nested(KeyRefSchema, data_key="apiKey")


class UserSchema(MemberSchema):
    """A user with their organization, as a login shows them."""

    class Meta:
        exclude = ("created_at",)

    organization = fields.Nested(OrganizationRefSchema)


class LoginSchema(Schema):
    """Dumps a ``services.logins.Login``."""

    token = fields.String()
    token_type = fields.Constant("Bearer", data_key="tokenType")
    expires_at = Timestamp(data_key="expiresAt")
    scopes = fields.List(fields.String(), allow_none=True)
    user = fields.Nested(UserSchema)
