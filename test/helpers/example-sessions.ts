/** The six sessions of examples/sessions (what `npm start` scans and the report tests open), sorted. */
export const EXAMPLE_SESSION_IDS = [
  'bulk-0d1e2f3a4b5c6d7e8',
  'ci-deployer-0123456789abcdef0',
  'dana-0b1c2d3e4f5a6b7c8',
  'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa',
  'mallory-09f8e7d6c5b4a3921',
  'ops-jlee-0c5d2e8f1a7b3946d',
];
