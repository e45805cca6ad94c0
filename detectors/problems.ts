/** A rule, Sigma rule or indicator file (or a line of one) that could not be loaded, and why. */
export interface LoadProblem {
  source: string;
  line?: number;
  message: string;
}
