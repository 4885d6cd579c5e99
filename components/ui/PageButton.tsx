/** A small page control (First, Previous, Older…) for the console's keyset-paged lists. */
export function PageButton({ label, onClick, disabled }: { label: string; onClick: () => void; disabled: boolean }) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      className="rounded px-1.5 py-0.5 text-xs text-slate-800 ring-1 ring-slate-300 hover:bg-white disabled:cursor-not-allowed disabled:opacity-40"
    >
      {label}
    </button>
  );
}
