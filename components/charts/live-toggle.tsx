"use client";

import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { setLive, useLive } from "@/lib/stats/use-stats-queries";

export function LiveToggle({ fetching, updatedAt }: { fetching?: boolean; updatedAt?: number }) {
  const live = useLive();
  return (
    <span className="inline-flex items-center gap-2 text-xs text-zinc-500">
      <span aria-hidden className={live ? "size-2 rounded-full bg-emerald-500" + (fetching ? " animate-pulse" : "") : "size-2 rounded-full bg-zinc-400"} />
      <span data-testid="live-status">{live ? "Live" : "Paused"}</span>
      {updatedAt ? (
        <span>
          · updated <LocalTime at={updatedAt} />
        </span>
      ) : null}
      <Button size="sm" variant="ghost" onClick={() => setLive(!live)} aria-pressed={!live}>
        {live ? "Pause live" : "Resume live"}
      </Button>
    </span>
  );
}
