// GET /api/v1/tokens/revocations — live tokens a control has stopped, for offline verifiers
export { getRevocations as GET } from "@/lib/api/v1/tokens";
