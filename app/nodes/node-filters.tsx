"use client";

import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/field";
import { usePoolsQuery, useTagsQuery } from "@/lib/nodes/use-node-queries";
import { FAILING_RULE } from "@/lib/stats/windows";

/** Search and filter controls of the nodes table (values and changes come from the URL state hook). */
export function NodeFilters({
  params,
  search,
  onSearch,
  setParams,
  onClear,
  filtered,
}: {
  params: Record<string, string>;
  search: string;
  onSearch: (value: string) => void;
  setParams: (patch: Record<string, string | undefined>) => void;
  onClear: () => void;
  filtered: boolean;
}) {
  const pools = usePoolsQuery();
  const tags = useTagsQuery();
  return (
    <div className="space-y-1">
      <div className="grid grid-cols-2 items-end gap-2 sm:flex sm:flex-wrap" role="search">
        <div className="col-span-2 sm:w-72">
          <label htmlFor="node-search" className="sr-only">
            Search nodes
          </label>
          <Input id="node-search" type="search" placeholder="Search host, label or port" value={search} onChange={(event) => onSearch(event.target.value)} />
        </div>
        <FilterSelect label="Pool" value={params.poolId} onChange={(poolId) => setParams({ poolId })} options={pools.data?.map((pool) => [pool.id, pool.name]) ?? []} />
        <FilterSelect label="State" value={params.state} onChange={(state) => setParams({ state })} options={[["ENABLED", "enabled"], ["DRAINING", "draining"], ["DISABLED", "disabled"]]} />
        <FilterSelect label="Tag" value={params.tag} onChange={(tag) => setParams({ tag })} options={tags.data?.map((tag) => [tag, tag]) ?? []} />
        <FilterSelect label="Scheme" value={params.scheme} onChange={(scheme) => setParams({ scheme })} options={[["http", "http"], ["https", "https"], ["socks5", "socks5"]]} />
        <FilterSelect label="Health" value={params.health} onChange={(health) => setParams({ health })} options={[["failing", "failing (1 h)"], ["ejected", "ejected"], ["pinned", "pinned"]]} />
        {filtered && (
          <Button variant="ghost" onClick={onClear}>
            Clear filters
          </Button>
        )}
      </div>
      {params.health === "failing" && (
        <p className="text-xs text-zinc-500" data-testid="failing-rule">
          Failing: {FAILING_RULE}.
        </p>
      )}
    </div>
  );
}

function FilterSelect({ label, value, options, onChange }: { label: string; value?: string; options: Array<[string, string]>; onChange: (value: string | undefined) => void }) {
  const id = `filter-${label.toLowerCase()}`;
  return (
    <div>
      <label htmlFor={id} className="block text-xs text-zinc-500">
        {label}
      </label>
      <Select id={id} className="sm:w-40" value={value ?? ""} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">All</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </Select>
    </div>
  );
}
