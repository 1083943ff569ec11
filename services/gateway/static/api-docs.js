// Swagger UI on FlighTrak's OpenAPI, started from a file: the Content-Security-Policy allows no inline script.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // The validator badge would load an image from another site.
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
