using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>
/// The parts of a Rollout the admission decisions and the revision history read, located by the one pass over
/// the request (<see cref="JsonScanner"/>): where each lies, and what kind of value it is. A value is parsed from
/// its own bytes only when read (a deadline field, an annotation, the pod template when a revision starts).
/// Nothing is copied: the view is valid while the scan it reads is (see <c>AdmissionRequest.Dispose</c>).
/// </summary>
public sealed class RolloutView
{
    /// <summary>Slots of one Rollout, from the base slot it was given.</summary>
    private const int AtSelf = 0, AtMetadata = 1, AtAnnotations = 2, AtSpec = 3, AtDeadline = 4, AtAbort = 5, AtMinReady = 6, AtTemplate = 7, AtWorkloadRef = 8, AtName = 9, AtNamespace = 10;

    /// <summary>The number of slots one Rollout takes in a path set.</summary>
    public const int SlotCount = 11;

    private static readonly JsonPathSet Alone = AddPaths(new JsonPathSet(), 0);

    private readonly JsonScan _scan;
    private readonly int _base;

    public RolloutView(JsonScan scan, int baseSlot)
    {
        _scan = scan;
        _base = baseSlot;
    }

    /// <summary>Adds the paths a view reads, under <paramref name="prefix"/>, in slots from <paramref name="baseSlot"/>.</summary>
    public static JsonPathSet AddPaths(JsonPathSet paths, int baseSlot, params string[] prefix)
    {
        ArgumentNullException.ThrowIfNull(paths);
        paths.Capture(baseSlot + AtSelf, false, prefix);
        paths.Capture(baseSlot + AtMetadata, false, [.. prefix, "metadata"]);
        paths.CaptureMembers(baseSlot + AtAnnotations, [.. prefix, "metadata", "annotations"]);
        paths.Capture(baseSlot + AtName, false, [.. prefix, "metadata", "name"]);
        paths.Capture(baseSlot + AtNamespace, false, [.. prefix, "metadata", "namespace"]);
        paths.Capture(baseSlot + AtSpec, false, [.. prefix, "spec"]);
        paths.Capture(baseSlot + AtDeadline, false, [.. prefix, "spec", "progressDeadlineSeconds"]);
        paths.Capture(baseSlot + AtAbort, false, [.. prefix, "spec", "progressDeadlineAbort"]);
        paths.Capture(baseSlot + AtMinReady, false, [.. prefix, "spec", "minReadySeconds"]);
        paths.Capture(baseSlot + AtTemplate, true, [.. prefix, "spec", "template"]);
        paths.Capture(baseSlot + AtWorkloadRef, true, [.. prefix, "spec", "workloadRef"]);
        return paths;
    }

    /// <summary>
    /// A view of a Rollout given as a parsed element, for tools and tests: the element is written out and scanned
    /// as a request's object is. The scan is not pooled, so nothing needs disposing.
    /// </summary>
    public static RolloutView Of(JsonElement rollout) => Parse(JsonSerializer.SerializeToUtf8Bytes(rollout));

    /// <summary>A view of a Rollout's JSON text, scanned in place (the text must not change while the view is used).</summary>
    public static RolloutView Parse(byte[] json)
    {
        var scan = JsonScanner.Scan(json, Alone, 128, out var problem)
            ?? throw new ArgumentException($"the Rollout cannot be read: {problem!.Message}", nameof(json));
        return new RolloutView(scan, 0);
    }

    /// <summary>The whole object, parsed from its bytes (for readers that need more than this view offers).</summary>
    public JsonElement Element => _scan.Element(_base + AtSelf);

    /// <summary><c>spec</c>, parsed from its bytes alone; undefined when absent.</summary>
    public JsonElement Spec => _scan.Element(_base + AtSpec);

    /// <summary>The kind of <c>metadata</c>: undefined when absent.</summary>
    public JsonValueKind MetadataKind => Slot(AtMetadata).Kind;

    /// <summary>The kind of <c>metadata.annotations</c>: undefined when absent or when metadata is not an object.</summary>
    public JsonValueKind AnnotationsKind => Slot(AtAnnotations).Kind;

    /// <summary>The kind of <c>spec</c>: undefined when absent.</summary>
    public JsonValueKind SpecKind => Slot(AtSpec).Kind;

    public bool HasSpecObject => SpecKind == JsonValueKind.Object;

    /// <summary><c>metadata.name</c> when it is a string.</summary>
    public string? Name => _scan.GetString(Slot(AtName));

    /// <summary><c>metadata.namespace</c> when it is a string.</summary>
    public string? Namespace => _scan.GetString(Slot(AtNamespace));

    /// <summary>Where <c>spec</c> lies (absent when there is none).</summary>
    public JsonSlot SpecSlot => Slot(AtSpec);

    /// <summary>Where <c>spec.template</c> lies (absent when spec is not an object), and whether its bytes are canonical.</summary>
    public JsonSlot TemplateSlot => Slot(AtTemplate);

    /// <summary>Where <c>spec.workloadRef</c> lies, as <see cref="TemplateSlot"/>.</summary>
    public JsonSlot WorkloadRefSlot => Slot(AtWorkloadRef);

    /// <summary><c>spec.template</c>, undefined when absent (or spec is not an object).</summary>
    public JsonElement Template => _scan.Element(_base + AtTemplate);

    /// <summary><c>spec.workloadRef</c>, undefined when absent (or spec is not an object).</summary>
    public JsonElement WorkloadRef => _scan.Element(_base + AtWorkloadRef);

    /// <summary>The raw bytes of a slot of this view.</summary>
    public ReadOnlySpan<byte> Raw(JsonSlot slot) => _scan.Raw(slot);

    /// <summary>
    /// A member of <c>spec</c> the decisions read (progressDeadlineSeconds, progressDeadlineAbort, minReadySeconds,
    /// template, workloadRef); false when spec is not an object or lacks it (a JSON null counts as present).
    /// </summary>
    public bool TryGetSpecField(string name, out JsonElement value)
    {
        var slot = name switch
        {
            "progressDeadlineSeconds" => AtDeadline,
            "progressDeadlineAbort" => AtAbort,
            "minReadySeconds" => AtMinReady,
            "template" => AtTemplate,
            "workloadRef" => AtWorkloadRef,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a spec field this view reads"),
        };
        value = Slot(slot).IsPresent ? _scan.Element(_base + slot) : default;
        return Slot(slot).IsPresent;
    }

    /// <summary>Whether the annotation is there (of any kind).</summary>
    public bool HasAnnotation(string key) => _scan.FindMember(_base + AtAnnotations, key) >= 0;

    /// <summary>An annotation's value, of whatever kind the client sent; false when absent or annotations is not an object.</summary>
    public bool TryGetAnnotation(string key, out JsonElement value)
    {
        var member = _scan.FindMember(_base + AtAnnotations, key);
        value = member >= 0 ? _scan.MemberValue(member) : default;
        return member >= 0;
    }

    /// <summary>Where an annotation's value lies (absent when it is not there).</summary>
    public JsonSlot AnnotationSlot(string key)
    {
        var member = _scan.FindMember(_base + AtAnnotations, key);
        return member >= 0 ? _scan.Members[member].Value : default;
    }

    /// <summary>A string annotation's value; null when absent or not a string.</summary>
    public string? StringAnnotation(string key)
    {
        var member = _scan.FindMember(_base + AtAnnotations, key);
        return member >= 0 ? _scan.GetString(_scan.Members[member].Value) : null;
    }

    private JsonSlot Slot(int offset) => _scan.Slots[_base + offset];
}
