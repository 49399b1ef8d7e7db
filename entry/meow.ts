/** `meow` (dist/meow.js): the CLI, able to host a profile's own relay. */
import { cliMain } from '../main/cli/main.js';
import { hostedRelay } from './hostedRelay.js';

await cliMain({ localRelay: hostedRelay });
