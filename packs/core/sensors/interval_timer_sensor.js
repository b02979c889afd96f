// The timer sensor's entry point. Its source is TypeScript, in src/sensors/timer/ of Attune (see
// the README there), compiled with Attune by `npm run build`: this file runs that build, so a
// change to the source takes effect once Attune is built again.
import '../../../dist/sensors/timer/main.js';
