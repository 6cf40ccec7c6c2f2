import { version } from './index.js';
test('x', () => expect(version).toBe(1));
