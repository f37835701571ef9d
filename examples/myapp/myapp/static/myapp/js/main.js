import { greet } from './greet.js';

document.getElementById('greeting').textContent = greet('myapp');
document.body.dataset.js = 'ran';
//# sourceMappingURL=main.js.map
