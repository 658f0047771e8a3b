using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Observability;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Times each step of the webhook's /mutate and /validate work on one review, in-process and single-threaded:
// what is left of a request's CPU once Kestrel, TLS, HTTP/2 and logging are taken away.
//
// Usage: dotnet bench/CostBreakdown/bin/Release/net10.0/CostBreakdown.dll [FIXTURE] [SECONDS-PER-STEP] [HISTORY-FIXTURE]
// Prints, per step, the best of 5 batches in microseconds per call (best-of resists a noisy machine), the CPU time
// of the process per call over the same batches (what contention distorts least), and the bytes allocated per call
// (exact, whatever the machine is doing).
var fixture = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "fixtures", "update-review-8k.json");
var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
var body = File.ReadAllBytes(fixture);
var segmented = Segments.Split(body, 4096); // Kestrel hands the HTTP/2 body over in pieces of about this size
var policy = DeadlinePolicy.BuiltIn;
var decider = new AdmissionDecider();
var covered = new AdmissionDecider(coverage: ReconcilerCoverage.From(new PitfallSettings { ReconcilerRunning = true }));

// The pitfall detector's inputs as /validate builds them (AdmissionPitfalls): the context, spec and the ignore annotation.
PitfallContext Context(AdmissionRequest r) => ReconcilerCoverage.Absent.Context(r.Namespace, 0, null, policy.Pitfalls.Ignore);
PitfallReport DetectInSpec(AdmissionRequest r) => PitfallDetector.Detect(
    r.Object!.Spec, r.Object.TryGetAnnotation(PitfallDetector.IgnoreAnnotation, out var ignore) ? ignore : null, Context(r));

// /validate as AdmissionDecider.Validate makes it, less the pitfall check: what the check adds is the difference.
AdmissionDecision ValidateWithoutPitfalls(AdmissionRequest r)
{
    if (PolicyResolver.IsExemptNamespace(policy, r.Namespace))
    {
        return AdmissionDecision.Skip;
    }

    var exemption = Exemption.Evaluate(policy, r.Namespace, r.Object!.TryGetAnnotation(policy.Exemptions.Annotation, out var annotation) ? annotation : null);
    return exemption.Exempt
        ? AdmissionDecision.Skip
        : decider.Enforce(RolloutDeadlineFields.From(r.Object!), r.Display, PolicyResolver.Resolve(policy, r.Namespace), exemption.Warning);
}

AdmissionRequest Decode(ReadOnlySequence<byte> sequence) => AdmissionDecoder.Decode(sequence).Request ?? throw new InvalidOperationException("fixture does not decode");

using (var check = Decode(segmented))
{
    var decision = decider.Mutate(check, policy);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fixture {fixture} ({body.Length} bytes): /mutate -> {decision.Outcome}, {decision.Patch.Count} patch operations"));
}

// The same UPDATE with nine entries already recorded in both objects (as a long-lived Rollout has), the newest
// one for oldObject's template, so that it appends the tenth (bench/fixtures/make-update-review.py --history 9).
var historyFixture = args.Length > 2 ? args[2] : Path.Combine(Path.GetDirectoryName(fixture)!, "update-review-history.json");
var withHistory = File.ReadAllBytes(historyFixture);
var segmentedWithHistory = Segments.Split(withHistory, 4096);

void MutateAndWrite(ReadOnlySequence<byte> sequence, bool record)
{
    using var request = Decode(sequence);
    var decision = decider.Mutate(request, policy, recordHistory: record);
    AdmissionResponseWriter.Write(new ArrayBufferWriter<byte>(512), request.ApiVersion, request.Uid, decision);
}

var sample = Decode(segmentedWithHistory);
var storedSlot = sample.OldObject!.AnnotationSlot(RevisionHistoryAnnotation.Key);
var stored = storedSlot.IsPresent ? JsonValues.Utf8StringOf(sample.OldObject.Raw(storedSlot)) : [];
var reviewOnly = new JsonPathSet();

// The HTTP edge: AdmissionHandler as the routes call it, on an in-memory request (no Kestrel, TLS or HTTP/2;
// logging off, metrics on), built from the program's own service registrations. Against "edge: request only" (the
// same request, its body read whole and nothing else) it shows what the adapter adds to the decision's work.
var services = new ServiceCollection();
var configuration = new ConfigurationBuilder().Build();
services.AddLogging();
services.AddSingleton(new WebhookMetrics(Prometheus.Metrics.NewCustomRegistry()));
services.AddSingleton<Readiness>();
services.AddSingleton(TimeProvider.System);
services.AddSingleton<Serilog.ILogger>(Serilog.Core.Logger.None);
services.AddPolicy(configuration).AddAdmission(configuration);
using var provider = services.BuildServiceProvider();
provider.GetRequiredService<PolicyStore>().LoadInitial();
var handler = provider.GetRequiredService<AdmissionHandler>();

DefaultHttpContext Request()
{
    var context = new DefaultHttpContext();
    context.Request.Method = "POST";
    context.Request.ContentType = "application/json";
    context.Request.ContentLength = body.Length;
    context.Request.Body = new MemoryStream(body, writable: false);
    context.Response.Body = Stream.Null;
    return context;
}

void RequestOnly()
{
    var reader = Request().Request.BodyReader;
    var read = reader.ReadAtLeastAsync(body.Length + 1).AsTask().GetAwaiter().GetResult();
    reader.AdvanceTo(read.Buffer.End);
}

void Edge(AdmissionEndpoint endpoint)
{
    var context = Request();
    handler.HandleAsync(context, endpoint).GetAwaiter().GetResult();
    if (context.Response.StatusCode != 200)
    {
        throw new InvalidOperationException($"the handler answered {context.Response.StatusCode}");
    }
}
var specBytes = sample.Object!.Raw(sample.Object.SpecSlot).ToArray();
var specElement = sample.Object.Spec;
var sampleReport = PitfallDetector.Detect(specElement, null, Context(sample));
var steps = new (string Name, Action Run)[]
{
    ("parse: Utf8JsonReader, tokens only", () => { var r = new Utf8JsonReader(segmented); while (r.Read()) { } }),
    ("parse: JsonDocument.Parse only (no checks)", () => { using var d = JsonDocument.Parse(segmented); }),
    ("parse: JsonDocument, built-in duplicate check", () => { using var d = JsonDocument.Parse(segmented, new JsonDocumentOptions { AllowDuplicateProperties = false }); }),
    ("scan: JsonScanner, checks only (no paths)", () => { using var s = JsonScanner.Scan(segmented, reviewOnly, AdmissionDecoder.MaxDepth, out _); }),
    ("decode: AdmissionDecoder.Decode", () => { using var r = Decode(segmented); }),
    ("decode + validate", () => { using var r = Decode(segmented); decider.Validate(r, policy); }),
    ("decode + validate, pitfall check left out", () => { using var r = Decode(segmented); ValidateWithoutPitfalls(r); }),
    ("decode + validate, reconciler running", () => { using var r = Decode(segmented); covered.Validate(r, policy); }),
    ("decode + pitfalls: spec and annotation only", () => { using var r = Decode(segmented); DetectInSpec(r); }),
    ("decode + pitfalls: the whole object parsed", () => { using var r = Decode(segmented); PitfallDetector.Detect(r.Object!.Element, Context(r)); }),
    ("  pitfalls part: parse spec", () => { using var d = JsonDocument.Parse(specBytes); }),
    ("  pitfalls part: detect in a parsed spec", () => PitfallDetector.Detect(specElement, null, Context(sample))),
    ("  pitfalls part: the warnings", () => PitfallWarnings.ForAdmission(sampleReport.Findings)),
    ("decode + mutate + write response", () => MutateAndWrite(segmented, record: true)),
    ("/mutate work without the history (9 entries)", () => MutateAndWrite(segmentedWithHistory, record: false)),
    ("/mutate work with the history (9 entries + 1)", () => MutateAndWrite(segmentedWithHistory, record: true)),
    ("  history part: parse 9 stored entries", () => _ = RevisionHistoryAnnotation.TryParse(stored, out _, out _)),
    ("  history part: revision detection + fingerprint", () => RevisionDetector.Detect("UPDATE", sample.Object!, sample.OldObject)),
    ("  history part: the whole record (append)", () => RevisionRecorder.Record(
        new RevisionWrite("UPDATE", "bench", sample.Object!, sample.OldObject, 600, true), 10, DateTimeOffset.UtcNow)),
    ("edge: request only (in-memory, body read whole)", RequestOnly),
    ("edge: AdmissionHandler /mutate (in-memory request)", () => Edge(AdmissionEndpoint.Mutate)),
    ("edge: AdmissionHandler /validate (in-memory request)", () => Edge(AdmissionEndpoint.Validate)),
};

var timings = new Dictionary<string, double>();
Console.WriteLine("step                                              us/call  CPU us/call  bytes allocated/call");
// COSTBREAKDOWN_ONLY=text: only the steps whose name contains it (to profile one step with dotnet-trace).
var only = Environment.GetEnvironmentVariable("COSTBREAKDOWN_ONLY");
foreach (var (name, run) in steps.Where(s => only is null || s.Name.Contains(only, StringComparison.Ordinal)))
{
    var (micros, cpu) = Measure(run, seconds);
    timings[name] = micros;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-48} {micros,8:0.0} {cpu,12:0.0}  {Allocated(run),20:N0}"));
}

sample.Dispose();
if (timings.TryGetValue("/mutate work with the history (9 entries + 1)", out var with) && timings.TryGetValue("/mutate work without the history (9 entries)", out var without))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history cost: {with / without:0.00}x /mutate without it"));
}
return 0;

static long Allocated(Action run)
{
    const int Calls = 200;
    var before = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < Calls; i++)
    {
        run();
    }

    return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
}

static (double Wall, double Cpu) Measure(Action run, double seconds)
{
    // warm-up: enough calls for tiered compilation to settle
    var warm = Stopwatch.StartNew();
    while (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds))
    {
        run();
    }

    var best = double.MaxValue;
    var bestCpu = double.MaxValue;
    for (var batch = 0; batch < 5; batch++)
    {
        var calls = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds / 5)
        {
            for (var i = 0; i < 50; i++)
            {
                run();
            }

            calls += 50;
        }

        best = Math.Min(best, watch.Elapsed.TotalMicroseconds / calls);
        bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / calls);
    }

    return (best, bestCpu);
}

internal static class Segments
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    public static ReadOnlySequence<byte> Split(byte[] data, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < data.Length; offset += size)
        {
            last = new Segment(data.AsMemory(offset, Math.Min(size, data.Length - offset)), last);
            first ??= last;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}
