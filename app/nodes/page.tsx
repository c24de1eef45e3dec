export default function NodesPage() {
  return <h1 className="text-xl font-semibold">Nodes</h1>;
}
