/** GET /v1/openapi.json (public): the API's OpenAPI document. */
import { countOutcome, json, route } from '../shared/http.js';
import { openApiDocument } from './spec.js';

const body = openApiDocument;

export const handler = route({}, async () => {
  countOutcome('OpenApiServed');
  return json(200, body, { 'cache-control': 'public, max-age=300' });
});
