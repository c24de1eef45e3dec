"use client";

import { useSyncExternalStore } from "react";

/** Column choice and density of the nodes table, remembered per browser. */
export interface NodeTablePreferences {
  /** Columns the operator turned on or off; absent = the column's default (by priority). */
  columns: Record<string, boolean>;
  compact: boolean;
}

const KEY = "switchyard:node-table";
const DEFAULTS: NodeTablePreferences = { columns: {}, compact: false };
const listeners = new Set<() => void>();
let cachedText: string | null = null;
let cached: NodeTablePreferences = DEFAULTS;

function read(): NodeTablePreferences {
  let text: string | null = null;
  try {
    text = localStorage.getItem(KEY);
  } catch {
    return cached;
  }
  if (text !== cachedText) {
    cachedText = text;
    try {
      cached = text ? { ...DEFAULTS, ...(JSON.parse(text) as Partial<NodeTablePreferences>) } : DEFAULTS;
    } catch {
      cached = DEFAULTS;
    }
  }
  return cached;
}

export function useNodeTablePreferences() {
  const preferences = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    read,
    () => DEFAULTS,
  );
  function update(patch: Partial<NodeTablePreferences>) {
    const next = { ...read(), ...patch };
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      cached = next; // private mode: this page keeps the choice
    }
    listeners.forEach((listener) => listener());
  }
  return { preferences, update };
}
