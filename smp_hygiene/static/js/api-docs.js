// Starts Swagger UI on /api/v1/docs from a file, not an inline script, so the page keeps the
// app's Content-Security-Policy. No validator badge: it would call a server outside the clinic.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    persistAuthorization: false,
  });
})();
