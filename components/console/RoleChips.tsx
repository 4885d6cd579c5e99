import { Badge, type BadgeTone } from "@/components/ui/Badge";

const tone: Record<string, BadgeTone> = { admin: "violet", reviewer: "blue", oncall: "red", viewer: "slate" };

/** The user's roles as chips in the header. */
export function RoleChips({ roles }: { roles: string[] }) {
  return (
    <span className="flex gap-1" aria-label="Roles">
      {roles.length ? (
        roles.map((r) => (
          <Badge key={r} tone={tone[r] ?? "slate"}>
            {r}
          </Badge>
        ))
      ) : (
        <Badge>no role</Badge>
      )}
    </span>
  );
}
