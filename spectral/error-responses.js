// Each operation documents the error responses it can give, as read from the spec itself
// (the reasons are in the rule's description in .spectral.yaml).
const METHODS = ["get", "put", "post", "delete", "patch"];
const SECRET_KEY_SCHEMES = ["bearerAuth", "basicAuth", "apiKeyHeader"];
const WIDGET_KEY_SCHEMES = ["widgetKey", "widgetKeyQuery"];
// The one operation with a limit of its own (PUBLIC_BOOKING in slotwise/ratelimits.py).
const PUBLIC_BOOKING = "handlers.public_bookings.create_booking";

function schemesOf(security) {
  return security.flatMap((requirement) => Object.keys(requirement));
}

function expectedErrors(path, pathItem, operation, rootSecurity) {
  const parameters = [...(pathItem.parameters || []), ...(operation.parameters || [])];
  const schemes = schemesOf(operation.security || rootSecurity || []);
  const expected = {};
  if (operation.requestBody || parameters.length > 0) {
    expected["400"] = "it takes a request body or parameters";
  }
  if (schemes.length > 0) {
    expected["401"] = "it accepts credentials";
  }
  if (operation["x-required-scope"]) {
    expected["403"] = "it has an x-required-scope";
  } else if (schemes.some((scheme) => WIDGET_KEY_SCHEMES.includes(scheme))) {
    expected["403"] = "it accepts a widget key, whose allowed origins can refuse the page";
  }
  if (parameters.some((parameter) => parameter.in === "path")) {
    expected["404"] = "it has path parameters";
  }
  if (path.startsWith("/api/")) {
    expected["429"] = schemes.some((scheme) => SECRET_KEY_SCHEMES.includes(scheme))
      ? "it is limited per key"
      : operation.operationId === PUBLIC_BOOKING
        ? "public booking is limited per client address"
        : "every API path is refused to an address past the failed-authentication limit";
  }
  return expected;
}

export default function errorResponses(pathItem, _options, context) {
  const path = context.path[context.path.length - 1];
  const rootSecurity = context.document.data.security;
  const results = [];
  for (const method of METHODS) {
    const operation = pathItem[method];
    if (!operation) continue;
    const documented = operation.responses || {};
    const expected = expectedErrors(path, pathItem, operation, rootSecurity);
    for (const [status, reason] of Object.entries(expected)) {
      if (!(status in documented)) {
        results.push({
          message: `${method.toUpperCase()} ${path} does not document ${status}, which it can give: ${reason}.`,
          path: [...context.path, method, "responses"],
        });
      }
    }
  }
  return results;
}
