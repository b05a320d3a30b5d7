/** `node --import ./register.ts out/main/index.js`: installs the loader that maps `electron` to the fake. */
import { register } from 'node:module';

register('./loader.ts', import.meta.url);
