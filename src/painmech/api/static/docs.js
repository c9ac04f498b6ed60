// painmech: start Swagger UI on the app's OpenAPI schema (a file, so the CSP
// can forbid inline scripts).
(function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
})();
