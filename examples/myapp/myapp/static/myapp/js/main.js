import { greet } from './greet.js';
import { sparkle } from 'confetti';

document.getElementById('greeting').textContent = greet('myapp');
sparkle(document.getElementById('vendor'));
document.body.dataset.js = 'ran';
//# sourceMappingURL=main.js.map
