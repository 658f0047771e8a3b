using System.Diagnostics;
using DeadlineGuard.Policy;

// The cost of loading a policy file as start-up and every reload do (PolicyDocumentReader.Parse: YAML, shape, rules),
// for the text of examples/policy.yaml. The first load is timed on its own (a fresh process: what start-up pays,
// JIT included), then ROUNDS rounds of LOADS loads each; CPU time and allocations are reported as well as wall time,
// since other work on the machine distorts wall time most.
//
// Usage: dotnet run -c Release --project bench/PolicyLoad -- examples/policy.yaml [LOADS] [ROUNDS]

var path = args.Length > 0 ? args[0] : "examples/policy.yaml";
var loads = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
var text = File.ReadAllText(path);
var process = Process.GetCurrentProcess();

var cpu0 = process.TotalProcessorTime;
var wall = Stopwatch.StartNew();
var first = PolicyDocumentReader.Parse(text, path);
wall.Stop();
process.Refresh();
Console.WriteLine($"first load: {wall.Elapsed.TotalMilliseconds:F1} ms wall, {(process.TotalProcessorTime - cpu0).TotalMilliseconds:F1} ms CPU (overrides: {first.Overrides.Count})");

for (var round = 1; round <= rounds; round++)
{
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    wall.Restart();
    for (var i = 0; i < loads; i++)
    {
        _ = PolicyDocumentReader.Parse(text, path);
    }

    wall.Stop();
    process.Refresh();
    var perLoadCpu = (process.TotalProcessorTime - cpu).TotalMicroseconds / loads;
    var perLoadBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / loads;
    Console.WriteLine($"round {round}: {loads} loads, {wall.Elapsed.TotalMicroseconds / loads:F1} µs wall, {perLoadCpu:F1} µs CPU, {perLoadBytes:N0} B allocated per load");
}
