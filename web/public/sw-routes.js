// Imported by the generated service worker (vite.config.ts, workbox.importScripts). The worker
// caches the app's shell; the API, audio previews and server pages are never cached, so they
// are routed straight to the network where the browser supports it (the ServiceWorker static
// routing API, Chromium 123+): those requests then neither wake this worker nor wait for it.
// Elsewhere the worker's own fetch handler passes them through, as before.
self.addEventListener("install", (event) => {
  if (typeof event.addRoutes !== "function" || typeof URLPattern !== "function") return;
  const network = (pathname) => ({ condition: { urlPattern: new URLPattern({ pathname }) }, source: "network" });
  event.waitUntil(
    event.addRoutes(["/api/*", "/health", "/ready", "/metrics", "/docs*"].map(network)).catch(() => {
      /* an older implementation: the fetch handler serves as before */
    }),
  );
});
