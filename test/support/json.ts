/** A JSON.stringify replacer for ORM rows with BigInt columns (AuditEvent.seq, chainSeq): JSON has no bigint. */
export const bigIntsAsText = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? value.toString() : value);
