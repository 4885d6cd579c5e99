// GET /api/v1/tools — tool discovery for the credential (optionally one run's route)
export { getTools as GET } from "@/lib/api/v1/tools";
