import "server-only";
import { asBigInt, asBool, asDate, asNumber } from "@/lib/db/decode";
import type { Row } from "@/lib/db/types";

/** How a column's raw value becomes the ORM's: `?` marks a nullable column. */
export type ColumnKind = "string" | "int" | "bigint" | "date" | "bool" | "string?" | "int?" | "bigint?" | "date?" | "bool?";

type BaseKind<T> = [T] extends [string]
  ? "string"
  : [T] extends [number]
    ? "int"
    : [T] extends [bigint]
      ? "bigint"
      : [T] extends [Date]
        ? "date"
        : [T] extends [boolean]
          ? "bool"
          : never;

/** The one kind a field of this type may have: a nullable field needs the `?` kind, a non-null one must not have it. */
export type KindOf<T> = null extends T ? `${BaseKind<Exclude<T, null>>}?` : BaseKind<T>;

/**
 * A column-kind map for model `M`: every field of the generated model, each
 * with its kind. Written `satisfies ColumnKinds<Action>`, so a column added to
 * the schema without an entry, or an entry of the wrong kind, fails typecheck.
 */
export type ColumnKinds<M> = { [K in keyof M]-?: KindOf<M[K]> };

/** `"a", "b", …` for a select list, in the map's order. */
export function columnList(kinds: Record<string, ColumnKind>, alias?: string): string {
  const p = alias ? `${alias}.` : "";
  return Object.keys(kinds)
    .map((c) => `${p}"${c}"`)
    .join(", ");
}

type Decode = (v: unknown) => unknown;

const decoders: Record<ColumnKind, Decode> = {
  string: (v) => v,
  int: asNumber,
  bigint: asBigInt,
  date: (v) => asDate(v),
  bool: asBool,
  "string?": (v) => v ?? null,
  "int?": (v) => (v === null || v === undefined ? null : asNumber(v)),
  "bigint?": (v) => (v === null || v === undefined ? null : asBigInt(v)),
  "date?": (v) => asDate(v),
  "bool?": (v) => (v === null || v === undefined ? null : asBool(v)),
};

/**
 * A decoder from a provider-shaped raw row (SQLite: ISO text, 0/1; Postgres:
 * Date, boolean) to exactly the ORM's object for model `M`: the map's fields
 * and no others, dates as Dates, integers as numbers (BigInt columns as
 * bigints, as the ORM returns them), booleans, nulls.
 */
export function rowDecoder<M>(kinds: ColumnKinds<M>): (row: Row) => M {
  const fields = Object.entries(kinds as Record<string, ColumnKind>).map(([name, kind]) => [name, decoders[kind]] as const);
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [name, decode] of fields) {
      if (!(name in row)) throw new Error(`raw row has no column "${name}"`);
      out[name] = decode(row[name]);
    }
    return out as M;
  };
}
