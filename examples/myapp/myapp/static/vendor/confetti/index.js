// A tiny vendored ES module, written for this example (MIT). The app imports it by a bare
// specifier, `import { sparkle } from 'confetti'`, which collect leaves as it is and the
// page's import map resolves: to the hashed file in production, to the source in development.
export function sparkle(element) {
  element.textContent = '✨ confetti, a vendored module found through the import map ✨';
  element.ownerDocument.body.dataset.vendor = 'loaded';
}
