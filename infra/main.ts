import { main } from './app.js';

// Configuration and validation errors are for the operator: the message, not a stack trace of the bundle.
try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
