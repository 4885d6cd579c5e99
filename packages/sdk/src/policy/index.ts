/** The pure policy engine Gatehouse decides with, shared by the server and `policyTester`. */
export * from "./types";
export * from "./conditions";
export * from "./decide";
export * from "./display-spec";
