/** Tells a viewer why there are no buttons. */
export function ReadOnlyNote() {
  return <p className="mb-3 rounded-md bg-slate-100 px-3 py-2 text-xs text-slate-600">You have read-only access (viewer).</p>;
}
