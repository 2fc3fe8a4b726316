// The layers of Floodgate and the imports they allow, checked by `make lint` (dependency-cruiser).
// A module imports from its own folder or from a folder of a lower layer, never sideways or up; nothing but the
// tests imports test/; no import cycles. To add a folder, give it a layer here.

/** Folders of src/, by layer, lowest first. */
const LAYERS = [
  // The shared vocabulary (stages, verdicts, modifications, fail reasons), helpers with no Floodgate imports, and the
  // metric definitions.
  ["vocabulary", "util", "metrics"],
  // The milter codec (no I/O), the configuration schema, and the state directory with its private files and services.
  ["milter", "config", "state"],
  // The session core both engines share; the MTA-side client; Redis connections; the fingerprint pool; scanners; the
  // hold-queue helper and its client.
  ["session", "client", "redis", "fingerprint", "scanners", "mta-hold"],
  // The two engines; the campaign store.
  ["engine", "reputation"],
  // The heavy-scan queue.
  ["queue"],
  // From fingerprint and reputation to a verdict; the real parts the tests and benchmarks run (lab).
  ["policy", "lab"],
  // Metrics, health, status and alerting over HTTP.
  ["ops"],
  // The composition root of `floodgate run`, the benchmark harness of `floodgate bench`, and `floodgate replay`.
  ["daemon", "harness", "replay"],
  // The commands a user types.
  ["cli"],
];

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank])));
const layerRules = [...rankOf].map(([folder, rank]) => {
  const notBelow = [...rankOf].filter(([other, r]) => other !== folder && r >= rank).map(([other]) => other);
  return {
    name: `layer-${folder}`,
    comment: `src/${folder} (layer ${rank}) imports only from lower layers: not from ${notBelow.join(", ")}`,
    severity: "error",
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${notBelow.join("|")})/` },
  };
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: the modules on it cannot be understood, tested or loaded one without the other.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-test-from-product",
      comment: "Product code (src, workers, benchmarks) never imports test/: what both need lives in src/ (src/lab).",
      severity: "error",
      from: { path: "^(src|workers|benchmarks)/" },
      to: { path: "^test/" },
    },
    {
      name: "no-unlayered-folder",
      comment: "Every folder of src/ has a layer in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: `^src/`, pathNot: `^src/(${[...rankOf.keys()].join("|")})/` },
    },
    {
      name: "product-not-from-entries",
      comment: "src/ never imports the process entries (workers/) or the benchmarks.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(workers|benchmarks)/" },
    },
    {
      name: "vocabulary-is-a-leaf",
      comment: "The shared vocabulary imports nothing of Floodgate's but itself.",
      severity: "error",
      from: { path: "^src/vocabulary/" },
      to: { path: "^(src|workers|benchmarks|test)/", pathNot: "^src/vocabulary/" },
    },
    {
      name: "codec-without-io",
      comment: "The milter codec is bytes in, bytes out: no sockets, files or processes.",
      severity: "error",
      from: { path: "^src/milter/" },
      to: { dependencyTypes: ["core"], path: "^(node:)?(net|fs|child_process|dgram|http|https|tls|worker_threads)$" },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|native|\\.lab)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
