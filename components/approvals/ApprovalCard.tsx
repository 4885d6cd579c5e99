import type { ReactNode } from "react";
import Link from "next/link";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { Badge, kindTone, statusTone } from "@/components/ui/Badge";
import { Countdown } from "@/components/approvals/Countdown";
import { PreviewDiff } from "@/components/approvals/PreviewDiff";
import { AgentValue, Headline, UntrustedFence, UntrustedText } from "@/components/approvals/UntrustedText";
import { PayloadFields } from "@/components/approvals/PayloadFields";
import { StateNotices } from "@/components/approvals/StateNotices";
import { visibleText } from "@/components/approvals/visible-text";
import { EditArguments } from "@/components/approvals/EditArguments";
import { formatDateTime } from "@/components/ui/format-time";
import { AskedList } from "@/components/approvals/AskedList";

function Section({ title, children, testId, note }: { title: string; children: ReactNode; testId: string; note?: string }) {
  return (
    <section aria-label={title} className="min-w-0 rounded-md border border-slate-200 bg-white px-3 py-2" data-testid={testId}>
      <h3 className="mb-1 flex flex-wrap items-baseline gap-x-2 text-[11px] font-semibold uppercase tracking-wide text-slate-600">
        {title}
        {note ? <span className="font-normal normal-case tracking-normal text-slate-600">{note}</span> : null}
      </h3>
      {children}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="break-words text-xs text-slate-800 [overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

/**
 * One pending action, laid out to be decided in ten seconds: what will change
 * (the payload as the display spec renders it, then the previews), blast
 * radius, undo, the decision — then who, where, and the raw arguments behind a
 * disclosure. Everything the agent wrote is fenced (`data-agent-supplied`) and
 * inert; the rest is Gatehouse's words. Stacks into one column on a phone.
 */
export function ApprovalCard({ detail: d, decision, clockSkewMs = 0, pageLink = false }: { detail: ActionDetail; decision?: ReactNode; clockSkewMs?: number; pageLink?: boolean }) {
  const approvals = `${d.approvalsReceived} of ${d.approvalsRequired}`;
  const service = d.card.preview.service;
  return (
    <article aria-labelledby={`card-${d.id}`} className="min-w-0 space-y-2" data-testid="approval-card" data-action-id={d.id}>
      <header className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <Badge tone={kindTone(d.toolKind)}>{d.toolKind}</Badge>
        <span className="font-mono text-xs text-slate-700">{d.tool}</span>
        <Badge tone="blue">
          {d.tenantId} / {d.env}
        </Badge>
        <Badge tone={statusTone(d.status)}>{d.status}</Badge>
        {d.escalatedAt ? <Badge tone="violet">escalated</Badge> : null}
        <span className="ml-auto flex flex-wrap items-center gap-3">
          <span className="text-xs text-slate-700" data-testid="approvals-count">
            approvals <strong className="tabular-nums">{approvals}</strong>
          </span>
          {d.status === "pending" ? <Countdown expiresAt={d.expiresAt} clockSkewMs={clockSkewMs} /> : null}
          {pageLink ? (
            <Link href={`/actions/${encodeURIComponent(d.id)}`} className="text-xs text-slate-700 underline" data-testid="card-page-link">
              Open as page
            </Link>
          ) : null}
        </span>
      </header>

      <StateNotices notices={d.state} />
      <AskedList asked={d.asked} actionId={d.id} reassignGroups={d.reassignGroups} />

      <h2 id={`card-${d.id}`} className="text-base font-semibold leading-snug text-slate-900 [overflow-wrap:anywhere] sm:text-lg" data-testid="card-summary">
        <Headline segments={d.headline} />
      </h2>
      {d.toolDescription ? <p className="-mt-1 text-xs text-slate-600">{d.toolDescription}</p> : null}

      <div className="grid grid-cols-1 gap-2 md:grid-cols-5">
        <div className="min-w-0 space-y-2 md:col-span-3">
          <Section
            title="What will change"
            testId="card-change"
            note={d.card.hiddenFields.length ? `values written by the agent · ${d.card.hiddenFields.length} hidden by the display spec` : "values written by the agent"}
          >
            <PayloadFields fields={d.card.fields} />
          </Section>
          {service.status === "pending" ? (
            <p className="text-xs text-slate-600" data-testid="service-preview-pending">
              Asking the tool service for a preview…
            </p>
          ) : service.status === "failed" ? (
            <div className="rounded border border-red-300 bg-red-50 px-2 py-1 text-xs text-red-900" data-testid="service-preview-failed">
              <strong>The tool service&apos;s preview failed</strong>
              {service.at ? ` (${formatDateTime(service.at)})` : ""}; what will change is not confirmed by the service.
              {service.error ? (
                <span className="mt-0.5 block">
                  Its answer: <AgentValue text={service.error} />
                </span>
              ) : null}
            </div>
          ) : service.status === "ok" ? (
            <UntrustedFence
              label={`Preview from the tool service${service.at ? `, ${formatDateTime(service.at)}` : ""} (before → after)`}
              source="tool-service"
              testId="service-preview"
            >
              <PreviewDiff before={service.before} after={service.after} />
            </UntrustedFence>
          ) : null}
          {d.card.preview.agent ? (
            <UntrustedFence label="The agent's claim of what changes (before → after)" testId="agent-preview">
              <PreviewDiff before={d.card.preview.agent.before} after={d.card.preview.agent.after} />
            </UntrustedFence>
          ) : null}
        </div>
        <div className="min-w-0 space-y-2 md:col-span-2">
          <Section title="Blast radius" testId="card-blast">
            <dl className="grid grid-cols-2 gap-x-2 gap-y-1">
              <Fact label="Tenant">{d.tenantId}</Fact>
              <Fact label="Environment">
                <span className={d.env === "prod" ? "font-semibold text-red-700" : ""}>{d.env}</span>
              </Fact>
              <Fact label="Scope">{d.blastRadius?.scope ?? "unknown (tool not in catalog)"}</Fact>
              <Fact label="Est. records">{d.blastRadius ? <span className="tabular-nums">{d.blastRadius.records}</span> : "unknown"}</Fact>
            </dl>
            {d.blastRadius?.description ? <p className="mt-1 text-xs text-slate-600">{d.blastRadius.description}</p> : null}
          </Section>
          <Section title="Undo" testId="card-undo">
            {d.undo === null ? (
              <p className="text-sm font-semibold text-red-700" data-testid="irreversible">
                Unknown — treat as irreversible
              </p>
            ) : d.undo.reversible ? (
              <p className="text-sm text-slate-800">
                Reversible via <span className="font-mono text-xs">{d.undo.via}</span>
                {d.undo.note ? <span className="block text-xs text-slate-600">{d.undo.note}</span> : null}
              </p>
            ) : (
              <p className="text-sm font-semibold text-red-700" data-testid="irreversible">
                Irreversible
                {/* The catalog's note often starts with the same word; the card says it once. */}
                {d.undo.note ? <span className="block text-xs font-normal text-red-800">{d.undo.note.replace(/^\s*irreversible\s*[:.—–-]?\s*/i, "")}</span> : null}
              </p>
            )}
          </Section>
        </div>
      </div>

      {decision}

      {d.reason ? (
        <UntrustedFence label="Agent's reason" testId="agent-reason">
          <div tabIndex={0} role="region" aria-label="Agent's reason" className="max-h-24 overflow-auto">
            <UntrustedText text={d.reason} />
          </div>
        </UntrustedFence>
      ) : null}

      <EditArguments actionId={d.id} pending={d.status === "pending"} argsDisplay={d.argsDisplay} />

      <dl className="grid grid-cols-2 gap-x-3 gap-y-1.5 rounded-md border border-slate-200 bg-white px-3 py-2 sm:grid-cols-4" data-testid="card-meta">
        <Fact label="Agent">{d.agent}</Fact>
        <Fact label="Route">
          <span className="font-mono">{d.route}</span> <span className="text-slate-600">v{d.policyVersion}</span>
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
        <Fact label="May not approve">{d.onBehalfOf ? <AgentValue text={d.onBehalfOf} /> : "—"}</Fact>
        <Fact label="Idempotency key">{d.idempotencyKey ? <AgentValue text={d.idempotencyKey} className="font-mono" /> : "—"}</Fact>
        <Fact label="Votes">
          {approvals}
          {d.votes.length
            ? d.votes.map((v) => (
                <span key={v.userEmail} className="block" title={v.userEmail}>
                  {v.userName} {v.vote === "approve" ? "approved" : "rejected"}
                  {v.breakGlass ? " (break-glass)" : ""}
                  {v.counts ? "" : " (with an API token or from chat: does not count for two people)"} · {formatDateTime(v.at)}
                </span>
              ))
            : null}
        </Fact>
        <Fact label="Proposed">{formatDateTime(d.createdAt)}</Fact>
        <Fact label="Action id">
          <span className="font-mono">{d.id}</span>
        </Fact>
      </dl>

      <details className="rounded-md border border-slate-200 bg-white px-3 py-1.5" data-testid="raw-args">
        <summary className="cursor-pointer text-xs font-medium text-slate-700">Raw arguments (redacted) and args hash</summary>
        <div data-agent-supplied="agent" className="mt-1 rounded border border-dashed border-amber-500">
          <pre
            tabIndex={0}
            aria-label="Raw arguments"
            className="max-h-64 overflow-auto whitespace-pre-wrap break-words p-1 font-mono text-xs text-slate-800 [overflow-wrap:anywhere]"
          >
            {visibleText(d.argsDisplay)}
          </pre>
        </div>
        <p className="mt-1 break-all font-mono text-[11px] text-slate-600">sha256 {d.argsHash}</p>
      </details>
    </article>
  );
}
