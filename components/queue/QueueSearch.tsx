"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The queue's search box (summary, tool, route, agent reason or action id; the `q` filter, at most 200 characters),
 * also break-glass's searches (pending actions; the mint form's runs, with its own placeholder).
 * It types freely; `onSearch` hears the trimmed text (undefined when blank) 300 ms after the last key.
 */
export function QueueSearch({
  label,
  initial = "",
  onSearch,
  labelClassName,
  inputClassName,
  placeholder = "summary, tool, route, id",
}: {
  label: string;
  placeholder?: string;
  initial?: string;
  onSearch: (q: string | undefined) => void;
  labelClassName: string;
  inputClassName: string;
}) {
  const [typed, setTyped] = useState(initial);
  const latest = useRef(onSearch);
  useEffect(() => {
    latest.current = onSearch;
  });
  useEffect(() => {
    const t = setTimeout(() => latest.current(typed.trim() || undefined), 300);
    return () => clearTimeout(t);
  }, [typed]);
  return (
    <label className={labelClassName}>
      {label}
      <input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={placeholder} maxLength={200} className={inputClassName} />
    </label>
  );
}
