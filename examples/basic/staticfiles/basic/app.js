// Runs in the browser: shows which encoding the stylesheet arrived with.
const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/static/basic/site.'));
document.querySelector('#loaded').textContent = entry ? `stylesheet: ${entry.transferSize} bytes over the wire for ${entry.decodedBodySize}` : 'stylesheet timing unavailable';
