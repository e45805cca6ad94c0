/**
 * What the transcripts function costs per GB of transcripts at the measured speed. CPU-bound work on Lambda gets a
 * share of a vCPU proportional to memory (a full vCPU at 1,769 MB), so below that size the cost per GB does not depend
 * on the memory chosen: more memory, proportionally faster.
 */

export const PRICES = {
  /** arm64 (Graviton), us-east-1 / eu-west-1 list price, first 6 billion GB-s a month. */
  gbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  memoryMB: 1024,
  /** Memory at which a function gets one full vCPU. */
  fullVcpuMB: 1769,
  /** The deployed event source batch sizes (infra: SQS batch of S3 notifications, Kinesis batch of deliveries). */
  s3ObjectsPerInvocation: 10,
  deliveriesPerInvocation: 100,
  /** DynamoDB on-demand, us-east-1 (after the November 2024 reduction): per million request units. */
  dynamoDbWriteUnits: 0.625,
  dynamoDbReadUnits: 0.125,
} as const;

export interface PathCost {
  /** Transcript MB a second on one full core here. */
  mbPerSecondOneCore: number;
  /** The same on a 1,024 MB function (its share of a vCPU), assuming a Graviton core is as fast as this one. */
  mbPerSecondLambda: number;
  secondsPerGB: number;
  invocationsPerGB: number;
  dollarsPerGB: number;
}

/**
 * @param transcriptBytes bytes of S3 transcript the measured work covered (the unit "GB of transcripts")
 * @param ms time the path took over them on one core
 * @param units S3 objects or subscription deliveries in that work (for the request count)
 */
export function pathCost(transcriptBytes: number, ms: number, units: number, unitsPerInvocation: number): PathCost {
  const gb = transcriptBytes / 1024 ** 3;
  const share = Math.min(1, PRICES.memoryMB / PRICES.fullVcpuMB);
  const secondsPerGB = ms / 1000 / gb / share;
  const invocationsPerGB = units / gb / unitsPerInvocation;
  const compute = secondsPerGB * (PRICES.memoryMB / 1024) * PRICES.gbSecond;
  const requests = (invocationsPerGB / 1e6) * PRICES.perMillionRequests;
  return {
    mbPerSecondOneCore: transcriptBytes / 1024 ** 2 / (ms / 1000),
    mbPerSecondLambda: (transcriptBytes / 1024 ** 2 / (ms / 1000)) * share,
    secondsPerGB,
    invocationsPerGB,
    dollarsPerGB: compute + requests,
  };
}

export interface TableCost {
  writeUnitsPerGB: number;
  readUnitsPerGB: number;
  dollarsPerGB: number;
}

/** What the session state table's requests cost per GB of transcripts (on-demand; storage, a few MB, left out). */
export function tableCost(transcriptBytes: number, units: { writeUnits: number; readUnits: number }): TableCost {
  const gb = transcriptBytes / 1024 ** 3;
  const writeUnitsPerGB = units.writeUnits / gb;
  const readUnitsPerGB = units.readUnits / gb;
  return {
    writeUnitsPerGB,
    readUnitsPerGB,
    dollarsPerGB:
      (writeUnitsPerGB / 1e6) * PRICES.dynamoDbWriteUnits + (readUnitsPerGB / 1e6) * PRICES.dynamoDbReadUnits,
  };
}
