// The timer sensor is TypeScript, compiled with Attune; this entry point runs the build.
import '../../../dist/sensors/timer/main.js';
