using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

// Times each step of the webhook's /mutate and /validate work on one review, in-process and single-threaded:
// what is left of a request's CPU once Kestrel, TLS, HTTP/2 and logging are taken away.
//
// Usage: dotnet bench/CostBreakdown/bin/Release/net10.0/CostBreakdown.dll [FIXTURE] [SECONDS-PER-STEP]
// Prints, per step, the best of 5 batches in microseconds per call (best-of resists a noisy machine) and the
// bytes allocated per call (exact, whatever the machine is doing).
var fixture = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "fixtures", "update-review-8k.json");
var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
var body = File.ReadAllBytes(fixture);
var segmented = Segments.Split(body, 4096); // Kestrel hands the HTTP/2 body over in pieces of about this size
var policy = DeadlinePolicy.BuiltIn;
var decider = new AdmissionDecider();

AdmissionRequest Decode(ReadOnlySequence<byte> sequence) => AdmissionDecoder.Decode(sequence).Request ?? throw new InvalidOperationException("fixture does not decode");

var check = decider.Mutate(Decode(segmented), policy);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fixture {fixture} ({body.Length} bytes): /mutate -> {check.Outcome}, {check.Patch.Count} patch operations"));
Console.WriteLine("step                                              us/call  bytes allocated/call");

var steps = new (string Name, Action Run)[]
{
    ("parse: JsonNode.Parse only, one segment", () => JsonNode.Parse(body)),
    ("decode: AdmissionDecoder.Decode, one segment", () => Decode(new ReadOnlySequence<byte>(body))),
    ("decode: AdmissionDecoder.Decode, 4 KiB segments", () => Decode(segmented)),
    ("decode + materialise object (DeepClone)", () => Decode(segmented).Object!.DeepClone()),
    ("decode + mutate (clone, inject, JsonPatch.Diff)", () => decider.Mutate(Decode(segmented), policy)),
    ("decode + validate", () => decider.Validate(Decode(segmented), policy)),
    ("decode + mutate + write response", () =>
    {
        var request = Decode(segmented);
        var decision = decider.Mutate(request, policy);
        AdmissionResponseWriter.Write(new ArrayBufferWriter<byte>(512), request.ApiVersion, request.Uid, decision);
    }),
    ("JsonPatch.Diff(object, mutated copy) alone", DiffOnly()),
};

// The revision history's share (issue: /mutate with history at most 1.15x /mutate without). The same review,
// with nine entries already recorded in oldObject (as a long-lived Rollout has), through the full /mutate
// work (decode, decide, encode the answer) with the history kept, and with it switched off.
var withHistory = WithRecordedHistory(body, 9);
var segmentedWithHistory = Segments.Split(withHistory, 4096);
void MutateAndWrite(ReadOnlySequence<byte> sequence, bool record)
{
    var request = Decode(sequence);
    var decision = decider.Mutate(request, policy, recordHistory: record);
    AdmissionResponseWriter.Write(new ArrayBufferWriter<byte>(512), request.ApiVersion, request.Uid, decision);
}

var historySteps = new (string Name, Action Run)[]
{
    ("/mutate work without the history", () => MutateAndWrite(segmentedWithHistory, record: false)),
    ("/mutate work with the history (9 entries + 1)", () => MutateAndWrite(segmentedWithHistory, record: true)),
};
var sample = Decode(segmentedWithHistory);
var storedHistory = DeadlineGuard.History.RevisionRecorder.Annotation(sample.OldObject!)!;
if (!DeadlineGuard.History.RevisionHistoryAnnotation.TryParse(storedHistory, out var parsedHistory, out _)) { throw new InvalidOperationException("history does not parse"); }
var historyParts = new (string Name, Action Run)[]
{
    ("  history part: parse 9 stored entries", () => _ = DeadlineGuard.History.RevisionHistoryAnnotation.TryParse(storedHistory, out _, out _)),
    ("  history part: trigger (template compare)", () => { var r = Decode(segmentedWithHistory); DeadlineGuard.History.RevisionDetector.Trigger("UPDATE", r.Object!, r.OldObject); }),
    ("  history part: decode alone (reference)", () => Decode(segmentedWithHistory)),
    ("  history part: fingerprint of the template", () => DeadlineGuard.History.RevisionDetector.Fingerprint(sample.Object!)),
    ("  history part: serialize 10 entries", () => DeadlineGuard.History.RevisionHistoryAnnotation.Serialize(parsedHistory)),
};
steps = [.. steps, .. historyParts, .. historySteps];

var timings = new Dictionary<string, double>();
foreach (var (name, run) in steps)
{
    var micros = Measure(run, seconds);
    timings[name] = micros;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-48} {micros,8:0.0}  {Allocated(run),20:N0}"));
}

var ratio = timings[historySteps[1].Name] / timings[historySteps[0].Name];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history cost: {ratio:0.00}x /mutate without it (target <= 1.15x): {(ratio <= 1.15 ? "met" : "MISSED")}"));
return 0;

// The fixture with a history of <paramref name="entries"/> revisions in oldObject, as the webhook writes it.
static byte[] WithRecordedHistory(byte[] review, int entries)
{
    var root = JsonNode.Parse(review)!.AsObject();
    var old = root["request"]!["oldObject"]!.AsObject();
    var template = old["spec"]!["template"]!;
    var history = Enumerable.Range(1, entries).Select(seq => new DeadlineGuard.History.RevisionEntry(
        seq, new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero).AddHours(seq), "system:serviceaccount:argocd:argocd-application-controller",
        seq == 1 ? "CREATE" : "UPDATE", seq == 1 ? "create" : "template",
        seq == entries ? DeadlineGuard.Json.CanonicalJson.Fingerprint(template) : $"{seq:x16}",
        [$"registry.example.com/team-a/checkout:1.{seq}.0"], 600, true)).ToList();
    var annotations = old["metadata"]!["annotations"]!.AsObject();
    annotations[DeadlineGuard.History.RevisionHistoryAnnotation.Key] = DeadlineGuard.History.RevisionHistoryAnnotation.Serialize(history);
    root["request"]!["object"]!["metadata"]!["annotations"]![DeadlineGuard.History.RevisionHistoryAnnotation.Key] =
        DeadlineGuard.History.RevisionHistoryAnnotation.Serialize(history);
    return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
}

Action DiffOnly()
{
    var rollout = Decode(segmented).Object!;
    var mutated = (JsonObject)rollout.DeepClone();
    RolloutMutator.InjectDeadline(mutated, PolicyResolver.Resolve(policy, "team-a"));
    return () => JsonPatch.Diff(rollout, mutated);
}

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

static double Measure(Action run, double seconds)
{
    // warm-up: enough calls for tiered compilation to settle
    var warm = Stopwatch.StartNew();
    while (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds))
    {
        run();
    }

    var best = double.MaxValue;
    for (var batch = 0; batch < 5; batch++)
    {
        var calls = 0;
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
    }

    return best;
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
