// POST /api/v1/runs/{id}/token — refresh the run token within the run's budgets
export { postRunToken as POST } from "@/lib/api/v1/runs";
