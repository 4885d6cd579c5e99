/** The product mark: a small gate glyph and the name. */
export function GatehouseMark({ className = "", inverted = false }: { className?: string; inverted?: boolean }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold tracking-tight ${className}`}>
      <svg viewBox="0 0 32 32" className="h-6 w-6" aria-hidden="true">
        <rect width="32" height="32" rx="6" fill={inverted ? "#f8fafc" : "#0f172a"} />
        <path d="M9 24V12l7-5 7 5v12h-4v-7h-6v7z" fill={inverted ? "#0f172a" : "#f8fafc"} />
      </svg>
      Gatehouse
    </span>
  );
}
