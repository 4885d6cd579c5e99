import { postRunToken } from "@/lib/api/v1/runs";

// POST /api/v1/runs/{id}/token — refresh the run token within the run's budgets
export const POST = postRunToken;
