import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTime, formatPeriod, isoToUtcInput, utcInputToIso } from "@/components/ui/format-time";

// Run in a zone east of UTC with a half-hour offset: a reading in the process's own zone would be 5:30 off.
const zone = process.env.TZ;
beforeAll(() => {
  process.env.TZ = "Asia/Kolkata";
});
afterAll(() => {
  process.env.TZ = zone;
});

describe("the audit form's UTC bounds", () => {
  it("reads a datetime-local value as UTC, to the minute or the second", () => {
    expect(new Date("2026-12-03T13:16").getTimezoneOffset()).toBe(-330);
    expect(utcInputToIso("2026-12-03T13:16")).toBe("2026-12-03T13:16:00.000Z");
    expect(utcInputToIso("2026-12-03T13:16:37")).toBe("2026-12-03T13:16:37.000Z");
  });

  it("refuses what is not a datetime-local value", () => {
    for (const v of ["", "garbage", "2026-12-03", "2026-12-03T13:16Z", "2026-12-03T13:16:37.5", "2026-13-40T99:99", " 2026-12-03T13:16"]) expect(utcInputToIso(v), v).toBeNull();
  });

  it("round-trips the URL's instant into the form and back, and the form shows what the table shows", () => {
    const iso = "2026-12-03T13:16:37.000Z";
    expect(isoToUtcInput(iso)).toBe("2026-12-03T13:16:37");
    expect(utcInputToIso(isoToUtcInput(iso)!)).toBe(iso);
    expect(formatDateTime(iso)).toBe(`${isoToUtcInput(iso)!.replace("T", " ")} UTC`);
    expect(isoToUtcInput("not an instant")).toBeNull();
  });
});

describe("retention periods", () => {
  it("reads whole days as days, anything else as hours, minutes or seconds", () => {
    expect(formatPeriod(2_592_000)).toBe("30 days");
    expect(formatPeriod(86_400)).toBe("1 day");
    expect(formatPeriod(129_600)).toBe("36 hours");
    expect(formatPeriod(3_600)).toBe("1 hour");
    expect(formatPeriod(300)).toBe("5 minutes");
    expect(formatPeriod(0)).toBe("0 seconds");
  });
});
