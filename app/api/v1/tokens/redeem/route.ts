// POST /api/v1/tokens/redeem — a tool service redeems an action token once
export { postRedeem as POST } from "@/lib/api/v1/tokens";
