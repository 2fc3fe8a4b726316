// uPlot is loaded by index.html as a classic script (vendor/uPlot.iife.min.js, copied from node_modules at build).
declare const uPlot: typeof import("uplot");
type UPlot = import("uplot");
type UPlotOptions = import("uplot").Options;
type UPlotData = import("uplot").AlignedData;
