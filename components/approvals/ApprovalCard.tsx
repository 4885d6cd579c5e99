import type { ReactNode } from "react";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { Badge, kindTone, statusTone } from "@/components/ui/Badge";
import { Countdown } from "@/components/approvals/Countdown";
import { PreviewDiff } from "@/components/approvals/PreviewDiff";
import { UntrustedFence, UntrustedText } from "@/components/approvals/UntrustedText";
import { visibleText } from "@/components/approvals/visible-text";
import { EditArguments } from "@/components/approvals/EditArguments";

function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <section aria-label={title} className="rounded-md border border-slate-200 bg-white px-3 py-2" data-testid={testId}>
      <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      {children}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="truncate text-xs text-slate-800">{children}</dd>
    </div>
  );
}

/**
 * One pending action, laid out to be decided in ten seconds: what will change
 * (summary + diff), blast radius, undo — then who, where, and the decision.
 * Raw args stay behind a disclosure. Agent text is fenced and inert.
 */
export function ApprovalCard({ detail: d, decision, clockSkewMs = 0 }: { detail: ActionDetail; decision?: ReactNode; clockSkewMs?: number }) {
  const approvals = `${d.approvalsReceived} of ${d.approvalsRequired}`;
  return (
    <article aria-labelledby={`card-${d.id}`} className="space-y-2" data-testid="approval-card">
      <header className="flex flex-wrap items-center gap-2">
        <Badge tone={kindTone(d.toolKind)}>{d.toolKind}</Badge>
        <span className="font-mono text-xs text-slate-700">{d.tool}</span>
        <Badge tone="blue">
          {d.tenantId} / {d.env}
        </Badge>
        <Badge tone={statusTone(d.status)}>{d.status}</Badge>
        {d.escalatedAt ? <Badge tone="violet">escalated</Badge> : null}
        <span className="ml-auto flex items-center gap-3">
          <span className="text-xs text-slate-600" data-testid="approvals-count">
            approvals <strong className="tabular-nums">{approvals}</strong>
          </span>
          {d.status === "pending" ? <Countdown expiresAt={d.expiresAt} clockSkewMs={clockSkewMs} /> : null}
        </span>
      </header>

      <h2 id={`card-${d.id}`} className="text-lg font-semibold leading-snug text-slate-900" data-testid="card-summary">
        {visibleText(d.summary)}
      </h2>

      <div className="grid grid-cols-5 gap-2">
        <div className="col-span-3">
          <Section title="What will change" testId="card-change">
            {d.preview ? (
              <UntrustedFence label="Preview (before → after)">
                <PreviewDiff before={d.preview.before} after={d.preview.after} />
              </UntrustedFence>
            ) : (
              <p className="text-xs text-slate-500">No before/after preview was supplied. The summary above is built from the validated arguments.</p>
            )}
          </Section>
        </div>
        <div className="col-span-2 space-y-2">
          <Section title="Blast radius" testId="card-blast">
            <dl className="grid grid-cols-2 gap-x-2 gap-y-1">
              <Fact label="Tenant">{d.tenantId}</Fact>
              <Fact label="Environment">
                <span className={d.env === "prod" ? "font-semibold text-red-700" : ""}>{d.env}</span>
              </Fact>
              <Fact label="Scope">
                <span title={d.blastRadius?.scope}>{d.blastRadius?.scope ?? "unknown (tool not in catalog)"}</span>
              </Fact>
              <Fact label="Est. records">{d.blastRadius ? <span className="tabular-nums">{d.blastRadius.records}</span> : "unknown"}</Fact>
            </dl>
            {d.blastRadius?.description ? <p className="mt-1 text-xs text-slate-600">{d.blastRadius.description}</p> : null}
          </Section>
          <Section title="Undo" testId="card-undo">
            {d.undo === null ? (
              <p className="text-sm font-semibold text-red-700">Unknown — treat as irreversible</p>
            ) : d.undo.reversible ? (
              <p className="text-sm text-slate-800">
                Reversible via <span className="font-mono text-xs">{d.undo.via}</span>
                {d.undo.note ? <span className="block text-xs text-slate-600">{d.undo.note}</span> : null}
              </p>
            ) : (
              <p className="text-sm font-semibold text-red-700" data-testid="irreversible">
                Irreversible
                {d.undo.note ? <span className="block text-xs font-normal text-red-800">{d.undo.note}</span> : null}
              </p>
            )}
          </Section>
        </div>
      </div>

      {d.reason ? (
        <UntrustedFence label="Agent's reason" testId="agent-reason">
          <div className="max-h-16 overflow-auto">
            <UntrustedText text={d.reason} />
          </div>
        </UntrustedFence>
      ) : null}

      <EditArguments actionId={d.id} pending={d.status === "pending"} argsDisplay={d.argsDisplay} />
      {decision}

      <dl className="grid grid-cols-4 gap-x-3 gap-y-1.5 rounded-md border border-slate-200 bg-white px-3 py-2" data-testid="card-meta">
        <Fact label="Agent">{d.agent}</Fact>
        <Fact label="Route">
          <span className="font-mono">{d.route}</span> <span className="text-slate-500">v{d.policyVersion}</span>
        </Fact>
        <Fact label="Run budget used">
          {d.run ? (
            <span className="tabular-nums">
              {d.run.stepsUsed}/{d.run.stepsMax} steps · ${d.run.usdUsed.toFixed(2)}/${d.run.usdMax.toFixed(2)}
            </span>
          ) : (
            "—"
          )}
        </Fact>
        <Fact label="May not approve">{d.onBehalfOf ? <span title="the human this run acts for">{d.onBehalfOf}</span> : "—"}</Fact>
        <Fact label="Idempotency key">
          <span className="font-mono" title={d.idempotencyKey}>
            {d.idempotencyKey}
          </span>
        </Fact>
        <Fact label="Approvals so far">
          {approvals}
          {d.votes.length ? ` (${d.votes.map((v) => `${v.userEmail} ${v.vote === "approve" ? "✓" : "✗"}`).join(", ")})` : ""}
        </Fact>
        <Fact label="Proposed">{new Date(d.createdAt).toLocaleTimeString()}</Fact>
        <Fact label="Action id">
          <span className="font-mono" title={d.id}>
            {d.id}
          </span>
        </Fact>
      </dl>

      <details className="rounded-md border border-slate-200 bg-white px-3 py-1.5" data-testid="raw-args">
        <summary className="cursor-pointer text-xs font-medium text-slate-600">Raw arguments (redacted) and args hash</summary>
        <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-words font-mono text-xs text-slate-800">{visibleText(d.argsDisplay)}</pre>
        <p className="mt-1 font-mono text-[11px] text-slate-500">sha256 {d.argsHash}</p>
      </details>
    </article>
  );
}
