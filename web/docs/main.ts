// /docs: the served OpenAPI document rendered by Swagger UI (swagger-ui-dist, bundled by Vite and served by
// the app). Nothing is fetched from elsewhere: the spec validator badge (validator.swagger.io) is off.
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './docs.css';

SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  defaultModelsExpandDepth: 0,
});
