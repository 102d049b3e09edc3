import "@testing-library/jest-dom/vitest";

// jsdom lays nothing out: give elements a screenful, so virtual lists render a window.
Object.defineProperties(HTMLElement.prototype, {
  offsetHeight: { configurable: true, get: () => 640 },
  offsetWidth: { configurable: true, get: () => 1000 },
  clientHeight: { configurable: true, get: () => 640 },
});
HTMLElement.prototype.getBoundingClientRect = function () {
  return { x: 0, y: 0, top: 0, left: 0, right: 1000, bottom: 640, width: 1000, height: 640, toJSON: () => ({}) } as DOMRect;
};
