/**
 * @file The executable wrapper around `main`, kept apart so tests can import `main` without
 * running it.
 */
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
