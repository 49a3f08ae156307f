// Every value a client sends is bounded: maxLength on strings, maximum on numbers, maxItems
// on arrays and maxProperties on maps, in request bodies and parameters alike.
const METHODS = ["get", "put", "post", "delete", "patch"];
const BOUNDS = { string: "maxLength", integer: "maximum", number: "maximum", array: "maxItems" };

function unbounded(schema, path, seen, found) {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return;
  // A schema met again (a shared $ref, or a cycle) is already checked; Spectral merges the
  // same result found from several paths.
  seen.add(schema);
  const bound = BOUNDS[schema.type];
  if (bound && schema[bound] === undefined) {
    found.push({ path, message: `A ${schema.type} the client sends has no ${bound}.` });
  }
  for (const keyword of ["allOf", "oneOf", "anyOf"]) {
    (schema[keyword] || []).forEach((part, i) => unbounded(part, [...path, keyword, i], seen, found));
  }
  unbounded(schema.items, [...path, "items"], seen, found);
  for (const [name, property] of Object.entries(schema.properties || {})) {
    // Read-only properties are answers, never input.
    if (!property.readOnly) unbounded(property, [...path, "properties", name], seen, found);
  }
  if (schema.additionalProperties) {
    if (schema.maxProperties === undefined) {
      found.push({ path, message: "An object the client sends has open keys but no maxProperties." });
    }
    unbounded(schema.additionalProperties, [...path, "additionalProperties"], seen, found);
  }
}

export default function boundedInput(pathItem, _options, context) {
  const seen = new Set();
  const found = [];
  const checkParameters = (parameters, at) =>
    (parameters || []).forEach((parameter, i) =>
      unbounded(parameter.schema, [...at, "parameters", i, "schema"], seen, found),
    );
  checkParameters(pathItem.parameters, context.path);
  for (const method of METHODS) {
    const operation = pathItem[method];
    if (!operation) continue;
    const at = [...context.path, method];
    checkParameters(operation.parameters, at);
    const content = (operation.requestBody && operation.requestBody.content) || {};
    for (const [mediaType, media] of Object.entries(content)) {
      unbounded(media.schema, [...at, "requestBody", "content", mediaType, "schema"], seen, found);
    }
  }
  return found;
}
