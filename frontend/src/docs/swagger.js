// Starts Swagger UI on /docs from a file, not an inline script, so that the Content-Security-Policy
// can forbid inline scripts on every page. The OpenAPI address comes from the page.
const root = document.getElementById("swagger-ui");

window.SwaggerUIBundle({
  url: root.dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
