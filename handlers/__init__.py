"""Thin HTTP handlers named by the operationIds in openapi.yaml."""
